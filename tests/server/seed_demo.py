"""Fills the demo homeserver with people, rooms and messages, so `make demo` opens on a
lived-in account. Standard library only. Idempotent: a second run changes nothing.
Usage: seed_demo.py BASE_URL SHARED_SECRET
"""

import hashlib
import hmac
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

BASE, SECRET = sys.argv[1].rstrip("/"), sys.argv[2]
PASSWORD = "chappe-demo"
PEOPLE = {"demo": "Agent Démo", "alice": "Alice Martin", "bob": "Bob Durand", "claire": "Claire Petit"}
MARKER = "fr.chappe.demo_seeded"


def call(method, path, token=None, body=None):
    req = urllib.request.Request(BASE + path, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    data = None if body is None else json.dumps(body).encode()
    try:
        with urllib.request.urlopen(req, data, timeout=30) as res:
            return json.loads(res.read() or b"{}")
    except urllib.error.HTTPError as err:
        detail = err.read().decode(errors="replace")
        raise RuntimeError(f"{method} {path}: {err.code} {detail}") from None


def register(user, display_name):
    nonce = call("GET", "/_synapse/admin/v1/register")["nonce"]
    mac = hmac.new(SECRET.encode(), f"{nonce}\0{user}\0{PASSWORD}\0notadmin".encode(), hashlib.sha1)
    try:
        call("POST", "/_synapse/admin/v1/register", body={
            "nonce": nonce, "username": user, "password": PASSWORD,
            "displayname": display_name, "admin": False, "mac": mac.hexdigest()})
    except RuntimeError as err:
        if "M_USER_IN_USE" not in str(err):
            raise


def login(user):
    res = call("POST", "/_matrix/client/v3/login", body={
        "type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
        "password": PASSWORD, "initial_device_display_name": "seed"})
    return res["access_token"], res["user_id"]


def q(s):
    return urllib.parse.quote(s, safe="")


def send(token, room, body, html=None):
    content = {"msgtype": "m.text", "body": body}
    if html:
        content.update(format="org.matrix.custom.html", formatted_body=html)
    call("PUT", f"/_matrix/client/v3/rooms/{q(room)}/send/m.room.message/{uuid.uuid4().hex}", token, content)


def main():
    for user, name in PEOPLE.items():
        register(user, name)
    tok, ids = {}, {}
    for user in PEOPLE:
        tok[user], ids[user] = login(user)

    try:
        call("GET", f"/_matrix/client/v3/user/{q(ids['demo'])}/account_data/{MARKER}", tok["demo"])
        print("demo data already there")
        return
    except RuntimeError as err:
        if "404" not in str(err):
            raise

    team = call("POST", "/_matrix/client/v3/createRoom", tok["alice"], {
        "name": "Équipe Projet", "topic": "Coordination du projet de dématérialisation",
        "preset": "private_chat", "invite": [ids["demo"], ids["bob"], ids["claire"]]})["room_id"]
    for user in ("demo", "bob", "claire"):
        call("POST", f"/_matrix/client/v3/join/{q(team)}", tok[user], {})
    for user, body, html in [
        ("alice", "Bonjour à tous ! La réunion de lancement est confirmée jeudi à 10 h.", None),
        ("bob", "Merci Alice. Je prépare la démonstration du prototype.", None),
        ("claire", "Je m'occupe de la salle et de la visioconférence.", None),
        ("alice", "Ordre du jour :\n1. Calendrier\n2. Budget\n3. **Accessibilité**",
         "<p>Ordre du jour :</p><ol><li>Calendrier</li><li>Budget</li><li><strong>Accessibilité</strong></li></ol>"),
        ("demo", "Parfait, j'apporte le compte rendu de la dernière réunion.", None),
        ("bob", "Le prototype tourne sur le serveur de recette depuis ce matin.", None),
        ("claire", "La salle 204 est réservée de 10 h à 12 h.", None),
        ("alice", "Merci à tous, à jeudi !", None),
    ]:
        send(tok[user], team, body, html)

    news = call("POST", "/_matrix/client/v3/createRoom", tok["claire"], {
        "name": "Annonces", "topic": "Informations générales du service",
        "preset": "public_chat", "visibility": "public", "room_alias_name": "annonces"})["room_id"]
    for user in ("demo", "alice", "bob"):
        call("POST", f"/_matrix/client/v3/join/{q(news)}", tok[user], {})
    for body in ["Bienvenue sur le salon des annonces du service.",
                 "Rappel : la campagne d'entretiens annuels commence lundi.",
                 "Le réseau sera coupé samedi de 8 h à 10 h pour maintenance."]:
        send(tok["claire"], news, body)

    dm = call("POST", "/_matrix/client/v3/createRoom", tok["bob"], {
        "preset": "trusted_private_chat", "is_direct": True, "invite": [ids["demo"]]})["room_id"]
    call("POST", f"/_matrix/client/v3/join/{q(dm)}", tok["demo"], {})
    call("PUT", f"/_matrix/client/v3/user/{q(ids['bob'])}/account_data/m.direct", tok["bob"], {ids["demo"]: [dm]})
    call("PUT", f"/_matrix/client/v3/user/{q(ids['demo'])}/account_data/m.direct", tok["demo"], {ids["bob"]: [dm]})
    send(tok["bob"], dm, "Salut ! Tu as deux minutes pour relire ma note ?")
    send(tok["demo"], dm, "Oui, envoie-la moi.")
    send(tok["bob"], dm, "Merci, je te la transmets avant midi.")

    call("POST", "/_matrix/client/v3/createRoom", tok["claire"], {
        "name": "Comité de pilotage", "preset": "private_chat", "invite": [ids["demo"]]})

    call("PUT", f"/_matrix/client/v3/user/{q(ids['demo'])}/account_data/{MARKER}", tok["demo"], {"done": True})
    print("demo data seeded")


if __name__ == "__main__":
    main()
    print(f"homeserver: {BASE}\nuser: demo\npassword: {PASSWORD}")
