//! The tokio runtime Chappe runs on (the shell hands it to Tauri; tests that need the
//! app's conditions use it too).
//!
//! Its threads get 32 MiB stacks instead of tokio's 2 MiB. matrix-sdk-ui sanitises
//! each message's HTML while it builds the timeline, with ruma-html's recursive tree:
//! a 64 KiB event (the spec's maximum) nested ~18,000 levels deep overflowed a 2 MiB
//! stack, and a stack overflow aborts the whole app, at every start, as long as that
//! message is in a room it syncs. 32 MiB holds the deepest message an event can carry
//! with room to spare; it is address space, only touched when such a message comes.

/// Stack size of the runtime's worker and blocking threads.
pub const THREAD_STACK_BYTES: usize = 32 << 20;

/// A multi-threaded runtime builder with Chappe's stack size; `build()` it.
pub fn builder() -> tokio::runtime::Builder {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder
        .enable_all()
        .thread_name("chappe-worker")
        .thread_stack_size(THREAD_STACK_BYTES);
    builder
}
