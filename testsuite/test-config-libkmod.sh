#!/bin/bash
# lib/modprobe-config.h queries against libkmod (kmod 30) on one generated configuration
# plus a kernel command line bind-mounted over /proc/cmdline (needs root):
# alias lookup, options (by name and through an alias, file and command line),
# install/remove (fnmatch, first; exact for lookups), blacklist, softdeps.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

PROG="$top_builddir/testsuite/test-config-libkmod"
[ -x "$PROG" ] || bail_out "no $PROG (needs libkmod-dev)"
[ "$(id -u)" = 0 ] || bail_out "needs root to bind-mount a file over /proc/cmdline"
tap_tmpdir
T=$TMPD
MODDIR=$T/root/lib/modules/test
mkdir -p "$MODDIR" "$T/conf"

cat >"$T/conf/10-aliases.conf" <<'CONF'
alias net-pf-* netmod
alias net-pf-10 ipv6
alias snd-card-[0-9] snd_card
alias snd-card-1 othercard
alias exact-only single
alias wild?x wildmod
CONF
cat >"$T/conf/20-options.conf" <<'CONF'
options netmod a=1
options net_pf_* never=1
options net_pf_10 via_alias=1
options ipv6 disable=0	tab=1
options ipv6 more="x y"
options snd_card index=0
options snd_card_[0-9] pattern_alias=1
options plain p=1
options plain q=2
CONF
cat >"$T/conf/30-commands.conf" <<'CONF'
install plain echo install-plain
install pl* echo install-glob
install cmdonly /bin/true
remove plain echo remove-plain
remove rmonly /bin/false
remove p*n echo remove-glob
install algif_aead /bin/false
CONF
cat >"$T/conf/40-blacklist.conf" <<'CONF'
blacklist plain
blacklist snd-card
blacklist other-mod
CONF
cat >"$T/conf/50-softdep.conf" <<'CONF'
softdep plain pre: depa depb post: depc
softdep netmod post: depd
softdep ipv6 pre: depa post: depb depc pre: depd
softdep multi pre: depa post: depb
softdep mult* pre: depc post: depd depa
softdep m*lti pre: depe
CONF
# every dependency name resolves through an exact install line
for d in depa depb depc depd depe; do echo "install $d /bin/true"; done >"$T/conf/90-deps.conf"
printf 'softdep fromfile pre: depe\n' >"$MODDIR/modules.softdep"
printf '%s' 'quiet plain.k=v netmod.cmd="a b" modprobe.blacklist=cmdbl,other ipv6.x' >"$T/cmdline"

names="net_pf_10 net_pf_2 snd_card_1 snd_card_5 exact_only wildax wildxx plain cmdonly rmonly"
names="$names netmod ipv6 snd_card other_mod cmdbl multi fromfile algif_aead nothing"
# shellcheck disable=SC2086
unshare -m sh -c "mount --bind '$T/cmdline' /proc/cmdline && \
	exec '$PROG' '$MODDIR' '$T/cmdline' '$T/conf' $names"
