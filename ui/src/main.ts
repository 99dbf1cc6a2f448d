// Chappe's UI: shows what the Rust side pushes and sends the user's actions back. It
// never talks to the network; every call goes through the generated `commands`.
import { installMessageActions } from "./actions";
import { App } from "./app";
import "./style.css";

// Links inside messages must never navigate the app's window (nor open a new one).
for (const type of ["click", "auxclick"] as const) {
  document.addEventListener(type, (ev) => {
    const a = (ev.target as Element | null)?.closest?.("a");
    if (a) ev.preventDefault();
  });
}

const root = document.getElementById("app");
installMessageActions();
if (root) void new App(root).boot();
