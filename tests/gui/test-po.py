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

import importlib.util
import os
import re
import subprocess
import sys

_spec = importlib.util.spec_from_file_location(
    'test_window', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-window.py'))
tw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tw)


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
    tap = tw.Tap(sys.stdout)
    for lang in languages:
        po = os.path.join(po_dir, f'{lang}.po')
        r = subprocess.run([msgfmt, '--check', '--statistics', '-o', os.devnull, po],
                           capture_output=True, text=True, env=dict(os.environ, LC_ALL='C'))
        stats = r.stderr.strip()
        ok = (r.returncode == 0 and re.search(r'\d+ translated message', stats) is not None
              and 'fuzzy' not in stats and 'untranslated' not in stats)
        tap.check(ok, f'{lang}.po: {stats.splitlines()[-1] if stats else ""}', stats)
        if os.path.exists(pot):
            missing = sorted(msgids(pot) - msgids(po))
            tap.check(not missing, f'{lang}.po has every message of brokerdesk.pot',
                      '\n'.join(f'missing: {m}' for m in missing))
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
    tap.check(not unlisted, 'POTFILES.in lists every file with translatable strings',
              '\n'.join(f'not listed: {u}' for u in unlisted))
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
                tap.check(not missing, f'{lang}.po has every message of the C sources as they are now',
                          '\n'.join(f'missing: {m}' for m in missing))
        finally:
            os.unlink(fresh)
    tap.print(f'1..{tap.n}')
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
