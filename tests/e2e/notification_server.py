#!/usr/bin/python3
"""A real org.freedesktop.Notifications server on the session bus, for the e2e test.

Records every Notify call as one JSON line in the file given as argument (id, app
name, summary, body, actions, hints we read), and offers one extra method,
InvokeAction(id, action), which emits ActionInvoked(id, action) as a user's click on
a notification server would. Run with Debian's python3-dbus and python3-gi.
"""
import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

IFACE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, PATH)
        self.log = log
        self.next_id = 1

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        # body-markup: the app must escape what a message contains.
        return ["body", "body-markup", "actions"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("chappe-e2e", "chappe", "1", "1.2")

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
        nid = int(replaces_id) or self.next_id
        self.next_id += 1
        urgency = hints.get("urgency")
        record = {
            "id": nid, "app": str(app_name), "summary": str(summary), "body": str(body),
            "actions": [str(a) for a in actions],
            "urgency": int(urgency) if urgency is not None else None,
            "category": str(hints.get("category", "")),
        }
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return dbus.UInt32(nid)

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.NotificationClosed(nid, 3)

    @dbus.service.method(IFACE, in_signature="us", out_signature="")
    def InvokeAction(self, nid, action):
        self.ActionInvoked(nid, action)
        self.NotificationClosed(nid, 2)

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, action):
        pass

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(IFACE, bus, do_not_queue=True)
    Server(bus, sys.argv[1])
    print("notification server ready", flush=True)
    GLib.MainLoop().run()
    del name


if __name__ == "__main__":
    main()
