// Every string the UI shows, in French and English, in one table. Keys are the same in
// both languages (a test checks it). `t("key", { name })` fills `{name}` placeholders.
// French is the default: Chappe is made for French public servants.

const fr = {
  "app.name": "Chappe",
  "app.loading": "Chargement…",
  "app.version": "Version {version}",
  "login.title": "Connexion",
  "login.subtitle": "Messagerie des agents publics",
  "login.homeserver": "Serveur",
  "login.homeserver.hint": "Adresse du serveur, par exemple https://matrix.example.org. Facultatif si vous saisissez un identifiant Matrix complet.",
  "login.user": "Identifiant",
  "login.user.hint": "Nom d'utilisateur ou identifiant Matrix (@nom:serveur)",
  "login.password": "Mot de passe",
  "login.submit": "Se connecter",
  "login.submitting": "Connexion…",
  "main.account": "Votre compte",
  "main.logout": "Se déconnecter",
  "main.loggingOut": "Déconnexion…",
  "main.relogin": "Se reconnecter",
  "main.rooms": "Salons",
  "main.noRooms": "Aucun salon pour l'instant.",
  "main.loadingRooms": "Chargement des salons…",
  "main.pickRoom": "Choisissez un salon pour afficher la conversation.",
  "main.back": "Retour aux salons",
  "room.invite": "Invitation",
  "room.you": "Vous",
  "room.preview.deleted": "Message supprimé",
  "room.preview.encrypted": "Message chiffré",
  "room.preview.other": "Message",
  "room.unread": "{count} non lus",
  "room.mentions": "Vous êtes mentionné",
  "room.encrypted": "Salon chiffré",
  "room.direct": "Conversation privée",
  "sync.starting": "Connexion au serveur…",
  "sync.offline": "Hors ligne — vos messages partiront au retour du serveur",
  "sync.error": "Problème de synchronisation, nouvelle tentative…",
  "sync.sessionExpired": "Votre session a expiré. Reconnectez-vous.",
  "sync.stopped": "Synchronisation arrêtée.",
  "timeline.label": "Messages",
  "timeline.start": "Début du salon",
  "timeline.loading": "Chargement des messages plus anciens…",
  "timeline.loadFailed": "Impossible de charger les messages plus anciens.",
  "timeline.empty": "Aucun message pour l'instant.",
  "timeline.deleted": "Message supprimé",
  "timeline.utd": "Impossible de déchiffrer ce message",
  "timeline.unsupported": "Événement non pris en charge",
  "timeline.edited": "(modifié)",
  "timeline.readMarker": "Nouveaux messages",
  "timeline.sending": "Envoi…",
  "timeline.failed": "Échec de l'envoi",
  "timeline.failedRetrying": "En attente du serveur…",
  "timeline.stateChange": "{name} a modifié le salon ({type})",
  "timeline.profile.name": "{name} s'appelle maintenant {newName}",
  "timeline.profile.other": "{name} a modifié son profil",
  "state.m.room.create": "{name} a créé le salon",
  "state.m.room.name": "{name} a changé le nom du salon",
  "state.m.room.topic": "{name} a changé le sujet du salon",
  "state.m.room.avatar": "{name} a changé l'image du salon",
  "state.m.room.encryption": "{name} a activé le chiffrement",
  "state.m.room.power_levels": "{name} a modifié les droits des membres",
  "state.m.room.join_rules": "{name} a changé les conditions d'accès",
  "state.m.room.history_visibility": "{name} a changé la visibilité de l'historique",
  "state.m.room.guest_access": "{name} a changé l'accès des invités",
  "state.m.room.canonical_alias": "{name} a changé l'adresse du salon",
  "state.m.room.pinned_events": "{name} a modifié les messages épinglés",
  "membership.joined": "{name} a rejoint le salon",
  "membership.left": "{name} a quitté le salon",
  "membership.banned": "{name} a été banni",
  "membership.unbanned": "{name} n'est plus banni",
  "membership.kicked": "{name} a été exclu",
  "membership.invited": "{name} a été invité",
  "membership.rejected": "{name} a refusé l'invitation",
  "membership.revoked": "L'invitation de {name} a été annulée",
  "membership.knocked": "{name} demande à rejoindre le salon",
  "membership.changed": "{name} a changé d'appartenance",
  "composer.label": "Message",
  "composer.placeholder": "Écrire un message…",
  "composer.send": "Envoyer",
  "composer.hint": "Entrée pour envoyer, Maj+Entrée pour aller à la ligne",
  "error.missingFields": "Indiquez votre identifiant et votre mot de passe.",
  "error.invalidHomeserver": "L'adresse du serveur n'est pas valide.",
  "error.serverNotFound": "Aucun serveur Matrix n'a été trouvé à cette adresse.",
  "error.unreachable": "Le serveur est injoignable. Vérifiez votre connexion.",
  "error.wrongCredentials": "Identifiant ou mot de passe incorrect.",
  "error.deactivated": "Ce compte a été désactivé.",
  "error.rateLimited": "Trop de tentatives. Réessayez dans quelques instants.",
  "error.emailNotAllowed": "Cette adresse e-mail ne permet pas d'utiliser ce service.",
  "error.noServerForEmail": "Aucun serveur n'a été trouvé pour cette adresse e-mail. Indiquez l'adresse du serveur.",
  "error.notLoggedIn": "Vous n'êtes pas connecté.",
  "error.unknownRoom": "Ce salon n'est pas disponible.",
  "error.emptyMessage": "Le message est vide.",
  "error.other": "Une erreur est survenue : {detail}",
  "time.today": "Aujourd'hui",
  "time.yesterday": "Hier",
};

export type StringKey = keyof typeof fr;

const en: Record<StringKey, string> = {
  "app.name": "Chappe",
  "app.loading": "Loading…",
  "app.version": "Version {version}",
  "login.title": "Sign in",
  "login.subtitle": "Messaging for public servants",
  "login.homeserver": "Server",
  "login.homeserver.hint": "Server address, for example https://matrix.example.org. Optional if you enter a full Matrix ID.",
  "login.user": "Username",
  "login.user.hint": "Username or Matrix ID (@name:server)",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.submitting": "Signing in…",
  "main.account": "Your account",
  "main.logout": "Sign out",
  "main.loggingOut": "Signing out…",
  "main.relogin": "Sign in again",
  "main.rooms": "Rooms",
  "main.noRooms": "No rooms yet.",
  "main.loadingRooms": "Loading rooms…",
  "main.pickRoom": "Pick a room to see the conversation.",
  "main.back": "Back to rooms",
  "room.invite": "Invitation",
  "room.you": "You",
  "room.preview.deleted": "Message deleted",
  "room.preview.encrypted": "Encrypted message",
  "room.preview.other": "Message",
  "room.unread": "{count} unread",
  "room.mentions": "You were mentioned",
  "room.encrypted": "Encrypted room",
  "room.direct": "Direct conversation",
  "sync.starting": "Connecting to the server…",
  "sync.offline": "Offline — your messages will be sent when the server is back",
  "sync.error": "Sync problem, retrying…",
  "sync.sessionExpired": "Your session has expired. Please sign in again.",
  "sync.stopped": "Sync stopped.",
  "timeline.label": "Messages",
  "timeline.start": "Start of the room",
  "timeline.loading": "Loading older messages…",
  "timeline.loadFailed": "Could not load older messages.",
  "timeline.empty": "No messages yet.",
  "timeline.deleted": "Message deleted",
  "timeline.utd": "Unable to decrypt this message",
  "timeline.unsupported": "Unsupported event",
  "timeline.edited": "(edited)",
  "timeline.readMarker": "New messages",
  "timeline.sending": "Sending…",
  "timeline.failed": "Failed to send",
  "timeline.failedRetrying": "Waiting for the server…",
  "timeline.stateChange": "{name} changed the room ({type})",
  "timeline.profile.name": "{name} is now called {newName}",
  "timeline.profile.other": "{name} changed their profile",
  "state.m.room.create": "{name} created the room",
  "state.m.room.name": "{name} changed the room name",
  "state.m.room.topic": "{name} changed the room topic",
  "state.m.room.avatar": "{name} changed the room picture",
  "state.m.room.encryption": "{name} turned on encryption",
  "state.m.room.power_levels": "{name} changed member permissions",
  "state.m.room.join_rules": "{name} changed who can join",
  "state.m.room.history_visibility": "{name} changed who can see the history",
  "state.m.room.guest_access": "{name} changed guest access",
  "state.m.room.canonical_alias": "{name} changed the room address",
  "state.m.room.pinned_events": "{name} changed the pinned messages",
  "membership.joined": "{name} has joined",
  "membership.left": "{name} has left",
  "membership.banned": "{name} was banned",
  "membership.unbanned": "{name} was unbanned",
  "membership.kicked": "{name} was removed",
  "membership.invited": "{name} was invited",
  "membership.rejected": "{name} declined the invitation",
  "membership.revoked": "{name}'s invitation was withdrawn",
  "membership.knocked": "{name} asks to join the room",
  "membership.changed": "{name}'s membership changed",
  "composer.label": "Message",
  "composer.placeholder": "Write a message…",
  "composer.send": "Send",
  "composer.hint": "Enter to send, Shift+Enter for a new line",
  "error.missingFields": "Enter your username and password.",
  "error.invalidHomeserver": "The server address is not valid.",
  "error.serverNotFound": "No Matrix server was found at this address.",
  "error.unreachable": "The server cannot be reached. Check your connection.",
  "error.wrongCredentials": "Wrong username or password.",
  "error.deactivated": "This account has been deactivated.",
  "error.rateLimited": "Too many attempts. Try again in a moment.",
  "error.emailNotAllowed": "This email address cannot be used with this service.",
  "error.noServerForEmail": "No server was found for this email address. Enter the server address.",
  "error.notLoggedIn": "You are not signed in.",
  "error.unknownRoom": "This room is not available.",
  "error.emptyMessage": "The message is empty.",
  "error.other": "Something went wrong: {detail}",
  "time.today": "Today",
  "time.yesterday": "Yesterday",
};

export const strings = { fr, en } as const;
export type Lang = keyof typeof strings;

/** French for `fr`, `fr-FR`, `fr-CA`…; English for any other language; French when unknown. */
export function pickLang(navLang: string | undefined | null): Lang {
  if (!navLang) return "fr";
  return navLang.toLowerCase().startsWith("fr") ? "fr" : "en";
}

let lang: Lang = pickLang(typeof navigator === "undefined" ? undefined : navigator.language);

export function setLang(l: Lang): void {
  lang = l;
}

export function currentLang(): Lang {
  return lang;
}

/** The BCP 47 locale for `Intl` formatting in the current language. */
export function locale(): string {
  return lang === "fr" ? "fr-FR" : "en-GB";
}

export function t(key: StringKey, params: Record<string, string | number> = {}): string {
  const template = strings[lang][key] ?? strings.fr[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (m, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m,
  );
}

/** Whether a key computed at run time (error type, membership change…) has a string. */
export function hasKey(key: string): key is StringKey {
  return Object.prototype.hasOwnProperty.call(fr, key);
}
