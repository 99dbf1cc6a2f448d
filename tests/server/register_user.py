#!/usr/bin/env python3
"""Registers a user on a Synapse through the shared-secret admin API. Standard library only.

Usage: register_user.py BASE_URL SECRET USERNAME PASSWORD [--admin] [--displayname NAME]
Prints Synapse's JSON answer (user_id, access_token, ...). An existing user is not an
error: it prints {"username": ..., "already_exists": true} and exits 0, so reruns are harmless.

As a module: register(base_url, secret, username, password, admin=False, displayname=None)
returns that JSON as a dict, or None when the user already exists.
"""

import argparse
import hashlib
import hmac
import json
import sys
import urllib.error
import urllib.request

PATH = "/_synapse/admin/v1/register"


def _call(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read())


def register(base_url, secret, username, password, admin=False, displayname=None):
    url = base_url.rstrip("/") + PATH
    # Each registration needs a fresh single-use nonce; the MAC proves we know the secret.
    nonce = _call(url)["nonce"]
    message = "\0".join([nonce, username, password, "admin" if admin else "notadmin"])
    mac = hmac.new(secret.encode(), message.encode(), hashlib.sha1).hexdigest()
    body = {"nonce": nonce, "username": username, "password": password,
            "admin": admin, "mac": mac}
    if displayname is not None:
        body["displayname"] = displayname
    try:
        return _call(url, body)
    except urllib.error.HTTPError as err:
        detail = err.read().decode(errors="replace")
        try:
            if json.loads(detail).get("errcode") == "M_USER_IN_USE":
                return None
        except ValueError:
            pass
        raise RuntimeError(f"POST {PATH} ({username}): {err.code} {detail}") from None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("secret")
    parser.add_argument("username")
    parser.add_argument("password")
    parser.add_argument("--admin", action="store_true")
    parser.add_argument("--displayname")
    args = parser.parse_args()
    try:
        res = register(args.base_url, args.secret, args.username, args.password,
                       args.admin, args.displayname)
    except (RuntimeError, urllib.error.URLError) as err:
        sys.exit(f"register_user.py: {err}")
    if res is None:
        res = {"username": args.username, "already_exists": True}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
