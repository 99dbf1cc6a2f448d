#!/usr/bin/env python3
"""Fills the demo homeserver with people, rooms and messages, so `make demo` opens on a
lived-in account. Standard library only.
Usage: seed_demo.py BASE_URL SHARED_SECRET

Users demo, alice, bob, claire (password chappe-demo); demo is in "Équipe Projet"
(private, 8 messages), "Annonces" (public, in the directory as #annonces), a direct chat
with bob, and has a pending invite to "Comité de pilotage".
Idempotent: registering and logging in are harmless to repeat, and the rooms are created
only if neither the marker account data on demo nor the #annonces alias exists.
"""

import functools
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

from register_user import register  # same folder: Python puts it on sys.path

PASSWORD = "chappe-demo"
PEOPLE = {"demo": "Démo Agent", "alice": "Alice Martin", "bob": "Bob Durand",
          "claire": "Claire Petit"}
MARKER = "fr.chappe.demo_seeded"


class NotFound(Exception):
    pass


def q(s):
    return urllib.parse.quote(s, safe="")


def call(base, method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    data = None if body is None else json.dumps(body).encode()
    try:
        with urllib.request.urlopen(req, data, timeout=30) as res:
            return json.loads(res.read() or b"{}")
    except urllib.error.HTTPError as err:
        detail = err.read().decode(errors="replace")
        if err.code == 404:
            raise NotFound(path) from None
        raise RuntimeError(f"{method} {path}: {err.code} {detail}") from None


def seed(base, secret):
    api = functools.partial(call, base)

    for user, name in PEOPLE.items():
        register(base, secret, user, PASSWORD, displayname=name)
    tok, ids = {}, {}
    for user in PEOPLE:
        res = api("POST", "/_matrix/client/v3/login", body={
            "type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
            "password": PASSWORD, "initial_device_display_name": "seed_demo.py"})
        tok[user], ids[user] = res["access_token"], res["user_id"]
    server = ids["demo"].split(":", 1)[1]

    try:
        api("GET", f"/_matrix/client/v3/user/{q(ids['demo'])}/account_data/{MARKER}", tok["demo"])
        print("seed_demo.py: demo data already there")
        return
    except NotFound:
        pass
    try:
        api("GET", f"/_matrix/client/v3/directory/room/{q('#annonces:' + server)}")
        # A previous run stopped half-way: say so rather than duplicate rooms.
        print("seed_demo.py: #annonces exists but the seeding marker does not; "
              "to start over: synapse.sh start --fresh demo PORT", file=sys.stderr)
        return
    except NotFound:
        pass

    def send(user, room, body, html=None):
        content = {"msgtype": "m.text", "body": body}
        if html:
            content.update(format="org.matrix.custom.html", formatted_body=html)
        api("PUT", f"/_matrix/client/v3/rooms/{q(room)}/send/m.room.message/{uuid.uuid4().hex}",
            tok[user], content)

    def join(user, room):
        api("POST", f"/_matrix/client/v3/join/{q(room)}", tok[user], {})

    team = api("POST", "/_matrix/client/v3/createRoom", tok["alice"], {
        "name": "Équipe Projet", "topic": "Coordination du projet de dématérialisation",
        "preset": "private_chat", "invite": [ids["demo"], ids["bob"], ids["claire"]]})["room_id"]
    for user in ("demo", "bob", "claire"):
        join(user, team)
    for user, body, html in [
        ("alice", "Bonjour à tous ! La réunion de lancement est confirmée jeudi à 10 h.", None),
        ("bob", "Merci Alice. Je prépare la démonstration du prototype.", None),
        ("claire", "Je m'occupe de la salle et de la visioconférence.", None),
        ("alice", "Ordre du jour :\n1. Calendrier\n2. Budget\n3. **Accessibilité**\n\n"
                  "Le détail est dans le `compte-rendu-v2.odt`.",
         "<p>Ordre du jour :</p><ol><li>Calendrier</li><li>Budget</li>"
         "<li><strong>Accessibilité</strong></li></ol>"
         "<p>Le détail est dans le <code>compte-rendu-v2.odt</code>.</p>"),
        ("demo", "Parfait, j'apporte le compte rendu de la dernière réunion.", None),
        ("bob", "Le prototype tourne sur le serveur de recette depuis ce matin.", None),
        ("claire", "La salle 204 est réservée de 10 h à 12 h.", None),
        ("alice", "Merci à tous, à jeudi !", None),
    ]:
        send(user, team, body, html)

    # public_chat + visibility public: joinable by anyone and listed in /publicRooms.
    news = api("POST", "/_matrix/client/v3/createRoom", tok["claire"], {
        "name": "Annonces", "topic": "Informations générales du service",
        "preset": "public_chat", "visibility": "public", "room_alias_name": "annonces"})["room_id"]
    for user in ("demo", "alice", "bob"):
        join(user, news)
    for body in ["Bienvenue sur le salon des annonces du service.",
                 "Rappel : la campagne d'entretiens annuels commence lundi.",
                 "Le réseau sera coupé samedi de 8 h à 10 h pour maintenance."]:
        send("claire", news, body)

    # is_direct only flags the invite; clients recognise a DM by m.direct account data.
    dm = api("POST", "/_matrix/client/v3/createRoom", tok["bob"], {
        "preset": "trusted_private_chat", "is_direct": True, "invite": [ids["demo"]]})["room_id"]
    join("demo", dm)
    for me, other in (("bob", "demo"), ("demo", "bob")):
        api("PUT", f"/_matrix/client/v3/user/{q(ids[me])}/account_data/m.direct", tok[me],
            {ids[other]: [dm]})
    send("bob", dm, "Salut ! Tu as deux minutes pour relire ma note ?")
    send("demo", dm, "Oui, envoie-la moi.")
    send("bob", dm, "Merci, je te la transmets avant midi.")

    # Left pending on purpose: the demo shows an invitation to accept or decline.
    api("POST", "/_matrix/client/v3/createRoom", tok["claire"], {
        "name": "Comité de pilotage", "topic": "Suivi trimestriel du projet",
        "preset": "private_chat", "invite": [ids["demo"]]})

    api("PUT", f"/_matrix/client/v3/user/{q(ids['demo'])}/account_data/{MARKER}", tok["demo"],
        {"done": True})
    print("seed_demo.py: demo data seeded")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    base = sys.argv[1].rstrip("/")
    seed(base, sys.argv[2])
    print(f"homeserver: {base}\nuser: demo\npassword: {PASSWORD}")


if __name__ == "__main__":
    main()
