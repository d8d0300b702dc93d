#!/usr/bin/env python3
"""md2man.py - docs/topology.md as the man page nstopo-topology(5), so the two never differ.

usage: contrib/md2man.py docs/topology.md > docs/nstopo-topology.5
Knows the Markdown the file uses: headings, paragraphs, lists, fenced code, tables, `code`,
**bold** and [links](url). tests/cli/install.sh checks the page in the tree is up to date."""
import re
import sys


def esc(text):
    text = text.replace('\\', '\\e')
    return text.replace('-', '\\-')


def inline(text):
    text = re.sub(r'\[([^\]]+)\]\([^)]+\)', r'\1', text)
    out, pos = [], 0
    for m in re.finditer(r'`([^`]+)`|\*\*([^*]+)\*\*', text):
        out.append(esc(text[pos:m.start()]))
        out.append('\\fB' + esc(m.group(1) or m.group(2)) + '\\fR')
        pos = m.end()
    out.append(esc(text[pos:]))
    line = ''.join(out)
    # A line starting with . or ' would be a request.
    return '\\&' + line if line[:1] in ('.', "'") else line


def cells(row):
    return [c.strip() for c in row.strip().strip('|').split('|')]


def main(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    out = ['.\\" Made from docs/topology.md by contrib/md2man.py: edit that file, not this one.',
           '.TH NSTOPO-TOPOLOGY 5 "" "nstopo" "File Formats"',
           '.SH NAME', 'nstopo-topology \\- the nstopo lab file (YAML)',
           '.SH SYNOPSIS', '.B nstopo validate', '.I FILE', '.SH DESCRIPTION']
    i, para = 0, []

    def flush():
        if para:
            out.append('.PP')
            out.extend(inline(p) for p in para)
            para.clear()

    while i < len(lines):
        line = lines[i]
        if line.startswith('```'):
            flush()
            out.extend(['.PP', '.RS 4', '.nf'])
            i += 1
            while i < len(lines) and not lines[i].startswith('```'):
                code = esc(lines[i])
                out.append('\\&' + code if code[:1] in ('.', "'") else code)
                i += 1
            out.extend(['.fi', '.RE'])
        elif line.startswith('# '):
            flush()
        elif line.startswith('## '):
            flush()
            out.append('.SH ' + inline(line[3:].upper().replace('`', '')))
        elif line.startswith('### '):
            flush()
            out.append('.SS ' + inline(line[4:].replace('`', '')))
        elif line.startswith('|'):
            flush()
            head = cells(line)
            i += 2  # the header and the --- row
            while i < len(lines) and lines[i].startswith('|'):
                row = cells(lines[i])
                out.append('.TP')
                out.append(inline(row[0]))
                rest = ['%s: %s' % (h, c) if h not in ('meaning',) else c
                        for h, c in zip(head[1:], row[1:]) if c]
                out.append(inline('; '.join(rest)))
                i += 1
            continue
        elif re.match(r'^\s*[-*] ', line):
            flush()
            item = [re.sub(r'^\s*[-*] ', '', line)]
            while i + 1 < len(lines) and re.match(r'^\s{2,}\S', lines[i + 1]) and \
                    not re.match(r'^\s*[-*] ', lines[i + 1]):
                i += 1
                item.append(lines[i].strip())
            out.append('.IP \\(bu 2')
            out.extend(inline(p) for p in item)
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
        i += 1
    flush()
    out.extend(['.SH SEE ALSO', '.BR nstopo (1),', '.BR ip\\-netns (8)'])
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main(sys.argv[1])
