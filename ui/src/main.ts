// Chappe's UI: shows what the Rust side pushes and sends the user's actions back. It
// never talks to the network; every call goes through the generated `commands`.
import { installMessageActions } from "./actions";
import { App } from "./app";
import "./style.css";
import "./theme.css";

import { installLinkGuard } from "./links";

// Links never navigate the app's window: message links are followed through Rust.
installLinkGuard();

const root = document.getElementById("app");
installMessageActions();
if (root) void new App(root).boot();
