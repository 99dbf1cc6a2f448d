#!/usr/bin/python3
"""A system tray for the e2e test: the StatusNotifierWatcher that a desktop's tray (KDE
Plasma, GNOME's AppIndicator extension, XFCE, Cinnamon…) runs on the session bus, with a
host registered. Tray icons made with libayatana-appindicator register with it; each
registration is recorded as one JSON line {"service", "path"} in the file given as
argument, and the test reads the item's properties and clicks its menu over D-Bus
(org.kde.StatusNotifierItem, com.canonical.dbusmenu), as the tray would.
Run with Debian's python3-dbus and python3-gi.
"""
import json
import os
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

NAME = "org.kde.StatusNotifierWatcher"
IFACE = "org.kde.StatusNotifierWatcher"
PATH = "/StatusNotifierWatcher"


class Watcher(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, PATH)
        self.log = log
        self.items = []

    @dbus.service.method(IFACE, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service, sender=None):
        # An object path (libappindicator's way: the item is on the caller's connection)
        # or a bus name (the item at the standard path).
        if service.startswith("/"):
            name, path = sender, service
        else:
            name, path = service, "/StatusNotifierItem"
        self.items.append(name + path)
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps({"service": name, "path": path}) + "\n")
        self.StatusNotifierItemRegistered(name + path)

    @dbus.service.method(IFACE, in_signature="s", out_signature="")
    def RegisterStatusNotifierHost(self, service):
        pass

    @dbus.service.signal(IFACE, signature="s")
    def StatusNotifierItemRegistered(self, service):
        pass

    @dbus.service.signal(IFACE, signature="s")
    def StatusNotifierItemUnregistered(self, service):
        pass

    @dbus.service.signal(IFACE, signature="")
    def StatusNotifierHostRegistered(self):
        pass

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="ss", out_signature="v")
    def Get(self, iface, prop):
        return self.GetAll(iface)[prop]

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return {
            "RegisteredStatusNotifierItems": dbus.Array(self.items, signature="s"),
            "IsStatusNotifierHostRegistered": dbus.Boolean(True),
            "ProtocolVersion": dbus.Int32(0),
        }


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    names = [
        dbus.service.BusName(NAME, bus, do_not_queue=True),
        # The host's own name, as trays own one.
        dbus.service.BusName(f"org.kde.StatusNotifierHost-{os.getpid()}", bus, do_not_queue=True),
    ]
    Watcher(bus, sys.argv[1])
    print("ready", flush=True)
    GLib.MainLoop().run()
    del names


if __name__ == "__main__":
    main()
