#!/usr/bin/python3
# test-po.py — every catalogue in po/LINGUAS is valid and complete
#
# Copyright 2026 The Brokerdesk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-po.py MSGFMT PO_DIR. For each language, `msgfmt --check
# --statistics` must succeed and report no fuzzy and no untranslated message,
# and the catalogue must hold every message of the template, if one has been
# generated (ninja brokerdesk-pot). Output is TAP.

import os
import re
import subprocess
import sys


def msgids(path):
    """The msgids of a .po/.pot file, without the header."""
    ids = set()
    current = None
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith('msgid '):
            current = [line[6:]]
        elif current is not None and line.startswith('"'):
            current.append(line)
        elif current is not None:
            text = ''.join(s.strip()[1:-1] for s in current)
            if text:
                ids.add(text)
            current = None
    return ids


def main():
    msgfmt, po_dir = sys.argv[1], sys.argv[2]
    languages = [l.strip() for l in open(os.path.join(po_dir, 'LINGUAS'))
                 if l.strip() and not l.startswith('#')]
    pot = os.path.join(po_dir, 'brokerdesk.pot')
    n = 0
    failed = 0
    for lang in languages:
        po = os.path.join(po_dir, f'{lang}.po')
        r = subprocess.run([msgfmt, '--check', '--statistics', '-o', os.devnull, po],
                           capture_output=True, text=True, env=dict(os.environ, LC_ALL='C'))
        stats = r.stderr.strip()
        ok = (r.returncode == 0 and re.search(r'\d+ translated message', stats) is not None
              and 'fuzzy' not in stats and 'untranslated' not in stats)
        n += 1
        print(f'{"ok" if ok else "not ok"} {n} - {lang}.po: {stats.splitlines()[-1] if stats else ""}')
        if not ok:
            failed += 1
            for line in stats.splitlines():
                print(f'# {line}')
        if os.path.exists(pot):
            missing = sorted(msgids(pot) - msgids(po))
            n += 1
            print(f'{"ok" if not missing else "not ok"} {n} - {lang}.po has every message of brokerdesk.pot')
            if missing:
                failed += 1
                for m in missing:
                    print(f'# missing: {m}')
    # The catalogue must follow the sources, not only the stored template:
    # every file with translatable strings is listed in POTFILES.in, and every
    # message xgettext finds in the C sources is in each catalogue.
    source_root = os.path.dirname(os.path.abspath(po_dir))
    listed = {l.strip() for l in open(os.path.join(po_dir, 'POTFILES.in'))
              if l.strip() and not l.startswith('#')}
    marked = []
    for top in ('src', 'ui', 'data'):
        for dirpath, _, files in os.walk(os.path.join(source_root, top)):
            for name in files:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, source_root)
                if name.endswith('.c'):
                    text = open(path, encoding='utf-8').read()
                    if re.search(r'\b(N?_|ngettext) ?\(', text):
                        marked.append(rel)
                elif name.endswith(('.ui', '.xml', '.in')):
                    text = open(path, encoding='utf-8').read()
                    if 'translatable="yes"' in text:
                        marked.append(rel)
    unlisted = sorted(set(marked) - listed)
    n += 1
    print(f'{"ok" if not unlisted else "not ok"} {n} - POTFILES.in lists every file with translatable strings')
    if unlisted:
        failed += 1
        for u in unlisted:
            print(f'# not listed: {u}')
    c_files = sorted(f for f in listed if f.endswith('.c'))
    r = subprocess.run(['xgettext', '--language=C', '--from-code=UTF-8', '--keyword=_',
                        '--keyword=N_', '--keyword=ngettext:1,2', '-o', '-',
                        *c_files], cwd=source_root, capture_output=True, text=True)
    if r.returncode == 0:
        fresh = os.path.join(os.environ.get('TMPDIR', '/tmp'), f'brokerdesk-fresh-{os.getpid()}.pot')
        with open(fresh, 'w', encoding='utf-8') as f:
            f.write(r.stdout)
        try:
            for lang in languages:
                missing = sorted(msgids(fresh) - msgids(os.path.join(po_dir, f'{lang}.po')))
                n += 1
                print(f'{"ok" if not missing else "not ok"} {n} - {lang}.po has every message '
                      'of the C sources as they are now')
                if missing:
                    failed += 1
                    for m in missing:
                        print(f'# missing: {m}')
        finally:
            os.unlink(fresh)
    print(f'1..{n}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
