#!/usr/bin/env python3
"""`meson install` puts a whole tool in place (stdlib only).

Usage: install.py BARRAGE_BINARY   (the binary of a configured, built meson build directory)
Installs the build into a temporary DESTDIR with `meson install --no-rebuild` and checks: the
binary, the licence, the docs and example profiles are there; the man page renders with groff
without a warning and names every command and every flag that `--help` does (and no other);
the bash completion loads in plain bash and completes commands, each command's flags and files;
the zsh completion parses and registers itself (when zsh is installed); `--version` prints the
version, commit and build details.
"""

import glob
import json
import os
import re
import shutil
import subprocess

import harness

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def help_texts(t):
    """{command: its --help text} for every command `barrage --help` lists, and "" for it."""
    top = t.run(["--help"], json_out=False, quiet=False)
    t.require(top.rc == 0, "barrage --help exits 0")
    commands = sorted({m.group(1) for m in re.finditer(r"^  barrage ([a-z][a-z-]*)", top.stdout,
                                                       re.M)} - {"help"})
    texts = {"": top.stdout}
    for command in commands:
        out = t.run([command, "--help"], json_out=False, quiet=False)
        t.check(out.rc == 0, f"barrage {command} --help exits 0")
        texts[command] = out.stdout
    return texts


def option_flags(text):
    """The long flags of a help text's option entries ("  -c, --connections N", "      --x")."""
    flags = set()
    for line in text.splitlines():
        m = re.match(r"^(?:  -\w, |      )(--[a-z][a-z0-9-]*)", line)
        if m:
            flags.add(m.group(1))
    return flags


def install(t):
    build = os.path.dirname(t.binary)
    t.require(os.path.exists(os.path.join(build, "meson-info", "meson-info.json")),
              f"{build} is a meson build directory")
    meson = shutil.which("meson")
    if meson is None:
        raise harness.Skip("meson is not on PATH")
    options = json.loads(subprocess.run([meson, "introspect", "--buildoptions", build],
                                        capture_output=True, text=True, check=True).stdout)
    prefix = next(o["value"] for o in options if o["name"] == "prefix")
    destdir = t.path("destdir")
    done = subprocess.run([meson, "install", "-C", build, "--no-rebuild", "--destdir", destdir],
                          capture_output=True, text=True, timeout=120)
    t.require(done.returncode == 0, f"meson install --destdir exits 0 (got {done.returncode}: "
                                    f"{done.stdout[-1500:]}{done.stderr[-1500:]})")
    return destdir + prefix


def check_files(t, root):
    expected = ["bin/barrage", "share/man/man1/barrage.1",
                "share/bash-completion/completions/barrage", "share/zsh/site-functions/_barrage",
                "share/doc/barrage/LICENSE", "share/doc/barrage/README.md"]
    expected += ["share/doc/barrage/" + os.path.basename(p)
                 for p in glob.glob(os.path.join(SOURCE, "docs", "*.md"))]
    expected += ["share/barrage/" + os.path.relpath(p, SOURCE)
                 for p in glob.glob(os.path.join(SOURCE, "profiles", "**", "*"), recursive=True)
                 if os.path.isfile(p)]
    for rel in expected:
        t.check(os.path.isfile(os.path.join(root, rel)), f"installed {rel}")
    t.check(os.access(os.path.join(root, "bin/barrage"), os.X_OK), "bin/barrage is executable")
    with open(os.path.join(root, "share/doc/barrage/LICENSE")) as f:
        licence = f.read()
    t.check("MIT License" in licence and "Copyright (c) 2026 the barrage authors" in licence,
            "LICENSE is MIT, copyright 2026 the barrage authors")


def man_source_text(source):
    """The roff source with escapes undone, enough to find flags and section titles."""
    text = source.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
    return re.sub(r"\\f[BIRP]", "", text)


def man_sections(text):
    """{command: its part of the page}, from ".SS barrage NAME" to the next .SS or .SH."""
    sections = {}
    for m in re.finditer(r"^\.SS barrage (\S+)\n(.*?)(?=^\.S[SH] )", text, re.M | re.S):
        sections[m.group(1)] = m.group(2)
    return sections


def check_man_page(t, root, texts):
    page = os.path.join(root, "share/man/man1/barrage.1")
    with open(page) as f:
        source = f.read()
    groff = shutil.which("groff")
    if groff is None:
        t.check(False, "groff is installed to render the man page (apt-get install groff-base)")
    else:
        done = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", page], capture_output=True,
                              text=True, timeout=30)
        t.check(done.returncode == 0 and done.stderr == "",
                f"groff -man -ww renders barrage.1 without a warning ({done.stderr[:800]!r})")
    if shutil.which("man"):
        done = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                              timeout=30, env={**os.environ, "MANPAGER": "cat", "PAGER": "cat",
                                               "MANWIDTH": "100"})
        t.check(done.returncode == 0 and "barrage run" in done.stdout and done.stderr == "",
                f"man -l renders the page ({done.stderr[:800]!r})")
    text = man_source_text(source)
    sections = man_sections(text)
    commands = [c for c in texts if c]
    t.check(sorted(sections) == sorted(commands),
            f"the man page has a section per command of --help ({sorted(sections)} vs "
            f"{sorted(commands)})")
    for command in commands:
        missing = option_flags(texts[command]) - set(FLAG.findall(sections.get(command, "")))
        t.check(not missing, f"man page section 'barrage {command}' names every option of "
                             f"its --help (missing {sorted(missing)})")
    help_flags = set().union(*(FLAG.findall(text) for text in texts.values()))
    man_flags = set(FLAG.findall(text))
    t.check(help_flags == man_flags,
            f"the man page and --help name the same flags (only in help: "
            f"{sorted(help_flags - man_flags)}, only in the man page: "
            f"{sorted(man_flags - help_flags)})")


def complete(t, script, words, cwd):
    """COMPREPLY of the bash completion for `words` (the last one being completed)."""
    program = (f"source {script}\n"
               "COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1))\n"
               "COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}\n"
               "_barrage barrage \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
               "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", program, "bash", *words],
                          capture_output=True, text=True, timeout=30, cwd=cwd)
    t.check(done.returncode == 0 and done.stderr == "",
            f"completing {words!r} runs cleanly ({done.stderr[:300]!r})")
    return [line for line in done.stdout.splitlines() if line]


def check_bash_completion(t, root, texts):
    script = os.path.join(root, "share/bash-completion/completions/barrage")
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c",
                           f"source {script} && complete -p barrage"],
                          capture_output=True, text=True, timeout=30)
    t.check(done.returncode == 0 and "complete -F _barrage barrage" in done.stdout,
            f"the bash completion loads and registers _barrage ({done.stdout!r} "
            f"{done.stderr[:300]!r})")
    files = t.path("files")
    os.makedirs(os.path.join(files, "dir"))
    for name in ("load.toml", "result.json", "history.jsonl", "notes.txt"):
        open(os.path.join(files, name), "w").close()
    t.check(complete(t, script, ["barrage", "ru"], files) == ["run"], "barrage ru<TAB> -> run")
    t.check(complete(t, script, ["barrage", "run", "--dur"], files) == ["--duration"],
            "barrage run --dur<TAB> -> --duration")
    t.check(complete(t, script, ["barrage", "serve", "--po"], files) == ["--port"],
            "barrage serve --po<TAB> -> --port")
    firsts = set(complete(t, script, ["barrage", ""], files))
    t.check(set(c for c in texts if c) <= firsts,
            f"every command completes first ({sorted(firsts)})")
    for command in (c for c in texts if c):
        offered = set(complete(t, script, ["barrage", command, "--"], files))
        missing = option_flags(texts[command]) - offered
        t.check(not missing, f"barrage {command} --<TAB> offers every option of its --help "
                             f"(missing {sorted(missing)})")
    t.check(sorted(complete(t, script, ["barrage", "run", ""], files)) == ["dir", "load.toml"],
            "barrage run <TAB> offers profiles (and directories)")
    t.check(sorted(complete(t, script, ["barrage", "report", ""], files)) == ["dir",
                                                                             "result.json"],
            "barrage report <TAB> offers JSON results")
    t.check(sorted(complete(t, script, ["barrage", "trend", ""], files)) == ["dir",
                                                                            "history.jsonl"],
            "barrage trend <TAB> offers history files")
    t.check("notes.txt" in complete(t, script, ["barrage", "run", "x", "--json", ""], files),
            "barrage run ... --json <TAB> offers any file")
    t.check(complete(t, script, ["barrage", "run", "-c", ""], files) == [],
            "barrage run -c <TAB> offers nothing (a number goes there)")


def check_zsh_completion(t, root):
    script = os.path.join(root, "share/zsh/site-functions/_barrage")
    zsh = shutil.which("zsh")
    if zsh is None:
        t.check(False, "zsh is installed to check _barrage (apt-get install zsh)")
        return
    done = subprocess.run([zsh, "-n", script], capture_output=True, text=True, timeout=30)
    t.check(done.returncode == 0 and done.stderr == "", f"zsh -n _barrage parses "
                                                        f"({done.stderr[:500]!r})")
    program = (f"fpath=({os.path.dirname(script)} $fpath); autoload -Uz compinit; "
               f"compinit -u -D -d {t.path('zcompdump')}; print -r -- $_comps[barrage]")
    done = subprocess.run([zsh, "-f", "-c", program], capture_output=True, text=True,
                          timeout=30, env={**os.environ, "HOME": t.path("")})
    t.check(done.stdout.strip() == "_barrage",
            f"compinit registers _barrage for barrage ({done.stdout!r} {done.stderr[:300]!r})")


def check_version(t, root):
    binary = os.path.join(root, "bin/barrage")
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    word = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=30)
    t.check(out.returncode == 0 and word.stdout == out.stdout,
            "barrage --version and barrage version print the same, exit 0")
    lines = out.stdout.splitlines()
    first = re.match(r"^barrage (\d+\.\d+\.\d+) \((\S+), (\S+), (static|dynamic)\)$",
                     lines[0] if lines else "")
    t.require(first is not None, f"--version's first line is 'barrage VERSION (COMMIT, "
                                 f"BUILDTYPE, static|dynamic)' ({out.stdout!r})")
    with open(os.path.join(SOURCE, "meson.build")) as f:
        version = re.search(r"version: '([^']+)'", f.read()).group(1)
    t.check(first.group(1) == version, f"the version is meson.build's ({version})")
    commit = first.group(2)
    head = subprocess.run(["git", "-C", SOURCE, "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    t.check(commit == "unknown" if not head else head.startswith(commit.removesuffix("-dirty")),
            f"the commit is git's ({commit} vs HEAD {head or 'none'})")
    for label in ("commit:", "build type:", "linking:", "compiler:", "libraries:"):
        t.check(any(line.startswith(label) for line in lines), f"--version has a '{label}' line")
    libraries = next((line for line in lines if line.startswith("libraries:")), "")
    for name in ("OpenSSL 3", "liburing 2", "fmt ", "simdjson 3", "toml++ 3", "zlib 1"):
        t.check(name in libraries, f"--version names {name.strip()} with its version")


def body(t):
    texts = help_texts(t)
    root = install(t)
    check_files(t, root)
    check_man_page(t, root, texts)
    check_bash_completion(t, root, texts)
    check_zsh_completion(t, root)
    check_version(t, root)


if __name__ == "__main__":
    harness.main(__doc__, body)
