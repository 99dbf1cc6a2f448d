"""Writes homeserver.yaml for a test or demo Synapse on 127.0.0.1.

Starts from the config Synapse generated (signing key, macaroon and form secrets) and
sets what Chappe's tests rely on: rate limits raised (the defaults throttle a test
suite), fast bcrypt (4 rounds: ~15 ms per login instead of ~290 ms), shared-secret
registration, room publication allowed (the default rule denies all), a user directory
that searches all users, and a client .well-known (served only when public_baseurl is
set), pointing at http://127.0.0.1:PORT/ rather than the server name `localhost`.
Tchap's own server module (synapse-room-access-rules, installed by synapse.sh) is loaded,
so the suite runs against a server that enforces Tchap's room rules like tchap.gouv.fr
does; TCHAP_ACCESS_RULES=0 leaves it out (a plain Synapse). ID_SERVER=host:port is the
identity server the module asks which homeserver an invited email belongs to.
Runs with the Synapse venv's Python, which has PyYAML.
Usage: write_config.py DIR PORT SHARED_SECRET
"""

import os
import sys
from pathlib import Path

import yaml

data_dir, port, secret = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
generated = yaml.safe_load((data_dir / "generated.yaml").read_text())
base_url = f"http://127.0.0.1:{port}/"

# Tests register, log in, send and join far faster than any human.
UNLIMITED = {"per_second": 100000, "burst_count": 1000000}
rate_limits = {
    key: UNLIMITED
    for key in [
        "rc_message", "rc_registration", "rc_registration_token_validity",
        "rc_third_party_invite", "rc_3pid_validation", "rc_room_creation",
        "rc_media_create", "rc_delayed_event_mgmt", "rc_reports", "rc_user_directory",
        "rc_profile", "rc_key_requests", "rc_admin_redaction", "rc_joins_per_room",
    ]
}
rate_limits["rc_login"] = {k: UNLIMITED for k in ["address", "account", "failed_attempts"]}
rate_limits["rc_joins"] = {k: UNLIMITED for k in ["local", "remote"]}
rate_limits["rc_invites"] = {k: UNLIMITED for k in ["per_room", "per_user", "per_issuer"]}
rate_limits["rc_presence"] = {"per_user": UNLIMITED}

config = {
    "server_name": "localhost",
    "pid_file": str(data_dir / "homeserver.pid"),
    "public_baseurl": base_url,
    "serve_client_wellknown": True,
    "listeners": [{
        "port": port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
        "x_forwarded": False,
        "resources": [{"names": ["client", "federation"], "compress": False}],
    }],
    "database": {"name": "sqlite3", "args": {"database": str(data_dir / "homeserver.db")}},
    "log_config": str(data_dir / "log.yaml"),
    "media_store_path": str(data_dir / "media"),
    "signing_key_path": generated["signing_key_path"],
    "macaroon_secret_key": generated["macaroon_secret_key"],
    "form_secret": generated["form_secret"],
    "registration_shared_secret": secret,
    "enable_registration": False,
    "bcrypt_rounds": 4,
    "report_stats": False,
    "trusted_key_servers": [],
    "suppress_key_server_warning": True,
    "room_list_publication_rules": [{"action": "allow"}],
    "user_directory": {"enabled": True, "search_all_users": True},
    "presence": {"enabled": True},
    **rate_limits,
}

if smtp_port := os.environ.get("IDENTITY_SMTP_PORT"):
    config["email"] = {
        "smtp_host": "127.0.0.1", "smtp_port": int(smtp_port),
        "enable_tls": False, "force_tls": False, "require_transport_security": False,
        "notif_from": "%(app)s test homeserver <noreply@localhost>", "app_name": "Chappe",
    }
    config["listeners"].append({
        "port": 8448, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": True,
        "x_forwarded": False, "resources": [{"names": ["openid", "federation"]}],
    })
    config["tls_certificate_path"] = os.environ["TLS_CERT"]
    config["tls_private_key_path"] = os.environ["TLS_KEY"]
    config["use_insecure_ssl_client_just_for_testing_do_not_use"] = True
    config["ip_range_whitelist"] = ["127.0.0.1"]
    config["enable_registration"] = True
    config["registrations_require_3pid"] = ["email"]
    # Accounts expire, as on Tchap, so the client's "expired account" screen and its
    # renewal mail can be tested (tests set an expiry in the past with the admin API).
    # Renewal mails need the email settings above.
    config["account_validity"] = {"enabled": True, "period": "180d", "renew_at": "7d"}
if os.environ.get("TCHAP_ACCESS_RULES", "1") != "0":
    config["modules"] = [{
        "module": "room_access_rules.RoomAccessRules",
        "config": {
            # Asked (GET https://ID_SERVER/_matrix/identity/api/v1/info) before an email
            # invite into a "restricted" room; identity.sh's TLS proxy answers it like
            # Tchap's identity server. Without one, such invites are refused.
            "id_server": os.environ.get("ID_SERVER") or "127.0.0.1:9",
            # One homeserver here: nobody is an "external" to be kept out.
            "domains_forbidden_when_restricted": [],
        },
    }]
    # The module gives the creator power level 100 in every createRoom, which room
    # version 12 refuses ("Creator user ... must not appear in content.users"): every
    # room creation fails on 12, Synapse's default.
    config["default_room_version"] = "11"
# YAML is a superset of JSON, but keep it readable for people debugging a test run.
(data_dir / "homeserver.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
(data_dir / "log.yaml").write_text(yaml.safe_dump({
    "version": 1,
    "formatters": {"precise": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {"file": {
        "class": "logging.FileHandler", "formatter": "precise",
        "filename": str(data_dir / "homeserver.log"),
    }},
    "root": {"level": "WARNING", "handlers": ["file"]},
    "disable_existing_loggers": False,
}))
