#!/usr/bin/python3
"""Fails listing every source file of the tree longer than the limit (600 lines):
small files, one concept each (issue 15). Usage: check_file_sizes.py SOURCE_ROOT [LIMIT]"""
import os
import sys

FOLDERS = ['comm', 'runtime', 'lb', 'embed', 'include', 'python-stdlib-shim', 'apps', 'tests', 'cmake']
SUFFIXES = ('.cc', '.h', '.c', '.cpp', '.py', '.cmake', '.sh')


def main():
    root = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    too_long, checked = [], 0
    for folder in FOLDERS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
            dirnames[:] = [d for d in dirnames if d != '__pycache__']
            for name in filenames:
                if not name.endswith(SUFFIXES):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, 'rb') as f:
                    lines = sum(1 for _ in f)
                checked += 1
                if lines > limit:
                    too_long.append((lines, os.path.relpath(path, root)))
    if checked == 0:
        sys.exit('check_file_sizes: no source file found under %s' % root)
    for lines, path in sorted(too_long, reverse=True):
        print('%s: %d lines (limit %d): split it by concept' % (path, lines, limit))
    print('check_file_sizes: %d files checked, %d over %d lines' % (checked, len(too_long), limit))
    sys.exit(1 if too_long else 0)


main()
