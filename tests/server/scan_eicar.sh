#!/bin/sh
# The content scanner's scan script for tests (scanner.sh): the scanner runs it with the
# path of the decrypted file and reads its exit code: 0 clean, anything else infected.
# Real deployments run ClamAV here; its signatures cannot be downloaded on this machine,
# so this flags the EICAR test string, which every antivirus treats as a virus.
# Exit 2 (a read error) is not cached by the scanner (exit_codes_to_ignore).
# The string is split so that this script is not itself flagged by an antivirus.
sig='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR''-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
[ -r "$1" ] || exit 2
grep -qF -- "$sig" "$1"
case $? in
  0) echo "EICAR test signature found" >&2; exit 1 ;;
  1) exit 0 ;;
  *) exit 2 ;;
esac
