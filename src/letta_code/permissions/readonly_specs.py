"""The option allow-lists of the read-only commands (everything but git and find).

Each entry: the options known to be safe (see `options` for the notation) and
what the positional words are: `paths` (files or folders the command reads),
`none` (not files: `date +%s`, `printenv PATH`) or `any` (not files, and a
word the shell expands at run time cannot become a dangerous option: `echo $X`).

Left out on purpose, so they ask: options that write (`sort -o`, `tree -o`,
`tree -R`), run programs (`sort --compress-program`, `rg --pre`, `rg -z`,
`diff -l`, `file -z`), take file names from a file (`--files0-from`, `file -f`,
`tree --fromfile`, `*sum -c`), follow symlinks while walking a tree (`grep -R`,
`rg -L`, `du -L`, `ls -L`, `tree -l`), change system state (`date -s`,
`hostname NAME`), or load programs (`jq -f`, `jq -L`).
"""

from __future__ import annotations

_HELP = " --help --version"

_GREP = (
    "# -E -F -G -P -i -y -w -x -z -s -v -V -c -l -L -o -q -b -H -h -n -T -Z -U -a -I -r "
    "-e= -f@ -m= -A= -B= -C= -d= -D= --extended-regexp --fixed-strings --basic-regexp "
    "--perl-regexp --ignore-case --no-ignore-case --word-regexp --line-regexp --null-data "
    "--no-messages --invert-match --count --files-with-matches --files-without-match "
    "--only-matching --quiet --silent --byte-offset --with-filename --no-filename "
    "--line-number --initial-tab --null --binary --text --recursive --regexp= --file@ "
    "--max-count= --after-context= --before-context= --context= --directories= --devices= "
    "--include= --exclude= --exclude-dir= --exclude-from@ --label= --line-buffered "
    "--color=? --colour=? --binary-files= --no-ignore-case" + _HELP
)
_RG = (
    "-e= -f@ -g= -t= -T= -A= -B= -C= -m= -d= -j= -M= -E= -r= -i -s -S -w -x -v -c -l -n "
    "-N -H -I -o -F -P -U -a -q -p -b -0 -u -h -V -. --regexp= --file@ --glob= --iglob= "
    "--type= --type-not= --type-add= --type-clear= --after-context= --before-context= "
    "--context= --max-count= --max-depth= --maxdepth= --threads= --max-columns= --encoding= "
    "--replace= --ignore-file@ --ignore-case --case-sensitive --smart-case --word-regexp "
    "--line-regexp --invert-match --count --count-matches --files-with-matches "
    "--files-without-match --line-number --no-line-number --with-filename --no-filename "
    "--only-matching --fixed-strings --pcre2 --multiline --multiline-dotall --text "
    "--quiet --pretty --byte-offset --null --null-data --hidden --no-hidden --no-ignore "
    "--no-ignore-vcs --no-ignore-dot --no-ignore-parent --no-ignore-global --no-ignore-files "
    "--no-ignore-exclude --ignore --no-config --files --type-list --heading --no-heading "
    "--color= --colors= --column --no-column --json --no-json --vimgrep --stats --sort= "
    "--sortr= --trim --no-trim --max-filesize= --max-columns-preview --path-separator= "
    "--context-separator= --no-context-separator --field-match-separator= "
    "--field-context-separator= --no-messages --no-unicode --one-file-system --passthru "
    "--glob-case-insensitive --no-glob-case-insensitive --engine= --binary --no-binary "
    "--crlf --no-crlf --line-buffered --block-buffered --unrestricted --no-require-git "
    "--include-zero --debug --trace --mmap --no-mmap" + _HELP
)
_DIFF = (
    "-a -b -B -c -d -e -E -f -i -n -N -p -q -r -s -t -T -u -w -y -Z -C= -U= -x= -X@ -S= "
    "-I= -F= -D= -W= -L= --normal --brief --report-identical-files --context=? --unified=? "
    "--ed --rcs --side-by-side --width= --left-column --suppress-common-lines "
    "--show-c-function --show-function-line= --label= --expand-tabs --initial-tab "
    "--tabsize= --suppress-blank-empty --new-file --unidirectional-new-file "
    "--ignore-file-name-case --no-ignore-file-name-case --exclude= --exclude-from@ "
    "--starting-file= --from-file@ --to-file@ --ignore-case --ignore-tab-expansion "
    "--ignore-trailing-space --ignore-space-change --ignore-all-space --ignore-blank-lines "
    "--ignore-matching-lines= --text --strip-trailing-cr --minimal --horizon-lines= "
    "--speed-large-files --color=? --palette= --ifdef= --line-format= --old-line-format= "
    "--new-line-format= --unchanged-line-format= --old-group-format= --new-group-format= "
    "--unchanged-group-format= --changed-group-format= --recursive --no-dereference" + _HELP
)
_SUM = "-b -t -z -w --binary --text --tag --untagged --zero --quiet --status --strict --warn" + _HELP

# name -> (options, positional kind)
SPECS: dict[str, tuple[str, str]] = {
    # no file arguments at all
    "echo": ("", "any"),
    "true": ("", "any"),
    "false": ("", "any"),
    "printf": ("", "any"),
    "pwd": ("-L -P" + _HELP, "none"),
    "whoami": (_HELP, "none"),
    "id": ("-a -Z -g -G -n -r -u -z --context --group --groups --name --real --user --zero" + _HELP, "none"),
    "uname": (
        "-a -s -n -r -v -m -p -i -o --all --kernel-name --nodename --kernel-release "
        "--kernel-version --machine --processor --hardware-platform --operating-system" + _HELP,
        "none",
    ),
    "which": ("-a -s", "any"),
    "type": ("-a -f -p -P -t", "any"),
    "hostname": (
        "-s -f -d -i -I -a -A --short --fqdn --long --domain --ip-address "
        "--all-ip-addresses --alias --all-fqdns" + _HELP,
        "empty",
    ),
    "printenv": ("-0 --null" + _HELP, "none"),
    "env": ("", "empty"),
    "seq": ("# -f= -s= -w --format= --separator= --equal-width" + _HELP, "none"),
    "tr": ("-c -C -d -s -t --complement --delete --squeeze-repeats --truncate-set1" + _HELP, "none"),
    "basename": ("-a -s= -z --multiple --suffix= --zero" + _HELP, "none"),
    "dirname": ("-z --zero" + _HELP, "none"),
    "nproc": ("--all --ignore=" + _HELP, "none"),
    "arch": (_HELP, "none"),
    "groups": (_HELP, "none"),
    "locale": ("-a -m -c -k -v --all-locales --charmaps --category-name --keyword-name --verbose" + _HELP, "none"),
    "cal": (
        "# -1 -3 -y -Y -j -m -s -w -n= -S -v --one --three --year --twelve --julian "
        "--monday --sunday --week=? --months= --span --vertical --color=?" + _HELP,
        "none",
    ),
    "uptime": ("-p -s --pretty --since" + _HELP, "none"),
    "sleep": (_HELP, "none"),
    "date": (
        "-d= -f@ -r@ -u -R -I=? --date= --file@ --reference@ --utc --universal "
        "--rfc-email --rfc-2822 --rfc-3339= --iso-8601=? --debug --resolution" + _HELP,
        "none",
    ),
    # read the files named by their positional words
    "cat": (
        "-A -b -e -E -n -s -t -T -u -v --show-all --number-nonblank --number "
        "--squeeze-blank --show-ends --show-tabs --show-nonprinting" + _HELP,
        "paths",
    ),
    "tac": ("-b -r -s= --before --regex --separator=" + _HELP, "paths"),
    "rev": (_HELP, "paths"),
    "head": ("# -n= -c= -q -v -z --lines= --bytes= --quiet --silent --verbose --zero-terminated" + _HELP, "paths"),
    "tail": (
        "# -n= -c= -q -v -z -f -F -s= --lines= --bytes= --quiet --silent --verbose "
        "--zero-terminated --follow=? --retry --pid= --sleep-interval= "
        "--max-unchanged-stats=" + _HELP,
        "paths",
    ),
    "wc": ("-c -m -l -L -w --bytes --chars --lines --max-line-length --words --total=" + _HELP, "paths"),
    "ls": (
        "-a -A -b -B -c -C -d -D -f -F -g -G -h -H -i -k -l -m -n -N -o -p -q -Q -r -R -s "
        "-S -t -u -U -v -x -X -Z -1 -I= -T= -w= --all --almost-all --author --escape "
        "--block-size= --ignore-backups --color=? --directory --dired --classify=? "
        "--file-type --format= --full-time --group-directories-first --no-group "
        "--human-readable --si --dereference-command-line "
        "--dereference-command-line-symlink-to-dir --hide= --hyperlink=? "
        "--indicator-style= --inode --ignore= --kibibytes --literal --numeric-uid-gid "
        "--hide-control-chars --show-control-chars --quote-name --quoting-style= --reverse "
        "--recursive --size --sort= --time= --time-style= --tabsize= --width= --context "
        "--zero" + _HELP,
        "paths",
    ),
    "tree": (
        "-a -d -f -i -q -N -Q -p -u -g -s -h -D -F -v -t -c -U -r -C -n -x -A -S -J -X "
        "-L= -P= -I= -H= -T= --noreport --dirsfirst --filesfirst --du --si --prune "
        "--matchdirs --ignore-case --inodes --device --gitignore --charset= "
        "--filelimit= --timefmt= --sort= --nolinks --metafirst --gitfile@ --infofile@" + _HELP,
        "paths",
    ),
    "file": (
        "-b -c -E -h -i -k -l -n -N -p -r -s -S -0 -e= -F= -P= -m@ --brief --mime "
        "--mime-type --mime-encoding --extension --apple --keep-going --raw "
        "--no-dereference --special-files --no-sandbox --exclude= --separator= "
        "--parameter= --magic-file@ --print0 --no-pad --no-buffer --preserve-date" + _HELP,
        "paths",
    ),
    "stat": ("-L -f -t -c= --dereference --file-system --terse --format= --printf= --cached=" + _HELP, "paths"),
    "du": (
        "-0 -a -b -c -D -h -H -k -l -m -P -s -S -x -d= -t= -B= -X@ --null --all "
        "--apparent-size --bytes --total --dereference-args --human-readable --inodes "
        "--count-links --no-dereference --summarize --separate-dirs --si --one-file-system "
        "--max-depth= --threshold= --block-size= --exclude= --exclude-from@ --time=? "
        "--time-style=" + _HELP,
        "paths",
    ),
    "df": (
        "-a -h -H -i -k -l -P -T -B= -t= -x= --all --human-readable --si --inodes --local "
        "--portability --print-type --block-size= --type= --exclude-type= --output=? "
        "--total --no-sync --sync" + _HELP,
        "paths",
    ),
    "grep": (_GREP, "paths"),
    "egrep": (_GREP, "paths"),
    "fgrep": (_GREP, "paths"),
    "rg": (_RG, "paths"),
    "diff": (_DIFF, "paths"),
    "cmp": ("-b -l -s -n= -i= --print-bytes --verbose --quiet --silent --bytes= --ignore-initial=" + _HELP, "paths"),
    "sort": (
        "-b -d -f -g -i -M -h -n -R -r -V -c -C -m -s -u -z -k= -t= -S= --ignore-leading-blanks "
        "--dictionary-order --ignore-case --general-numeric-sort --ignore-nonprinting "
        "--month-sort --human-numeric-sort --numeric-sort --random-sort --reverse "
        "--version-sort --check=? --merge --stable --unique --zero-terminated --key= "
        "--field-separator= --buffer-size= --parallel= --batch-size= --sort= --debug "
        "--random-source@" + _HELP,
        "paths",
    ),
    "uniq": (
        "-c -d -D=? -i -u -z -f= -s= -w= --count --repeated --all-repeated=? --group=? "
        "--ignore-case --unique --zero-terminated --skip-fields= --skip-chars= "
        "--check-chars=" + _HELP,
        "paths",
    ),
    "cut": (
        "-b= -c= -f= -d= -n -s -z --bytes= --characters= --fields= --delimiter= "
        "--complement --only-delimited --output-delimiter= --zero-terminated" + _HELP,
        "paths",
    ),
    "nl": (
        "-b= -d= -f= -h= -i= -l= -n= -s= -v= -w= -p --body-numbering= --section-delimiter= "
        "--footer-numbering= --header-numbering= --line-increment= --join-blank-lines= "
        "--number-format= --number-separator= --starting-line-number= --number-width= "
        "--no-renumber" + _HELP,
        "paths",
    ),
    "od": (
        "-a -b -c -d -f -i -l -o -s -x -v -A= -j= -N= -S= -t= -w=? --address-radix= "
        "--endian= --skip-bytes= --read-bytes= --strings=? --format= --output-duplicates "
        "--width=? --traditional" + _HELP,
        "paths",
    ),
    "hexdump": (
        "-b -c -C -d -o -x -v -e= -f@ -n= -s= -L=? --canonical --format= --format-file@ "
        "--length= --skip= --no-squeezing --color=?" + _HELP,
        "paths",
    ),
    "strings": (
        "-a -d -f -w -n= -t= -e= -s= --all --data --print-file-name --include-all-whitespace "
        "--bytes= --radix= --encoding= --output-separator=" + _HELP,
        "paths",
    ),
    "md5sum": (_SUM, "paths"),
    "sha1sum": (_SUM, "paths"),
    "sha224sum": (_SUM, "paths"),
    "sha256sum": (_SUM, "paths"),
    "sha384sum": (_SUM, "paths"),
    "sha512sum": (_SUM, "paths"),
    "b2sum": (_SUM + " -l= --length=", "paths"),
    "shasum": (
        "-a= -b -t -U -0 --algorithm= --binary --text --UNIVERSAL --01 --tag --quiet --status --strict --warn" + _HELP,
        "paths",
    ),
    "cksum": ("-a= -l= --algorithm= --length= --untagged --base64 --raw --tag --debug" + _HELP, "paths"),
    "column": (
        "-t -x -n -e -J -R= -s= -o= -c= -N= -l= -L -H= -O= -W= -T= -E= -d -r= --table "
        "--fillrows --json --separator= --output-separator= --output-width= "
        "--table-columns= --table-columns-limit= --table-noextreme= --table-noheadings "
        "--table-wrap= --table-right= --table-hide= --table-order= --table-name= "
        "--tree= --tree-id= --tree-parent= --keep-empty-lines" + _HELP,
        "paths",
    ),
    "jq": (
        "-n -r -j -a -s -c -C -M -S -e -R -h -V --null-input --raw-input --slurp "
        "--compact-output --raw-output --raw-output0 --join-output --ascii-output "
        "--sort-keys --color-output --monochrome-output --tab --indent= --unbuffered "
        "--stream --stream-errors --seq --exit-status --arg== --argjson== --slurpfile=@ "
        "--rawfile=@ --args --jsonargs" + _HELP,
        "paths",
    ),
    "realpath": (
        "-e -m -L -P -q -s -z --canonicalize-existing --canonicalize-missing --logical "
        "--physical --quiet --strip --no-symlinks --zero --relative-to@ "
        "--relative-base@" + _HELP,
        "paths",
    ),
    "readlink": (
        "-f -e -m -n -q -s -v -z --canonicalize --canonicalize-existing "
        "--canonicalize-missing --no-newline --quiet --silent --verbose --zero" + _HELP,
        "paths",
    ),
}

# Single-dash long options of xxd (it has its own syntax); `xxd IN OUT` writes OUT.
XXD_FLAGS = frozenset(
    [
        "-a",
        "-autoskip",
        "-b",
        "-bits",
        "-C",
        "-capitalize",
        "-E",
        "-EBCDIC",
        "-e",
        "-h",
        "-help",
        "-i",
        "-include",
        "-p",
        "-ps",
        "-postscript",
        "-plain",
        "-u",
        "-v",
        "-version",
    ]
)
XXD_VALUES = frozenset(
    ["-c", "-cols", "-g", "-groupsize", "-l", "-len", "-o", "-offset", "-s", "-seek", "-n", "-name", "-R"]
)

# At most this many positional words (the next one would be an output file).
MAX_POSITIONAL: dict[str, int] = {"uniq": 1, "xxd": 1}
