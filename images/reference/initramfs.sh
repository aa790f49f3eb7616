# Shell functions shared by the image recipes that build a busybox
# initramfs from this host's binaries (images/reference/build.sh,
# images/photon-test/build.sh). Sourced by bash; the caller sets R (the
# image root being filled) and compressor (lz4 or gzip).

# --- busybox ---------------------------------------------------------------
install_busybox() { # $1 = root
    local root=$1 p
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,mnt,root}
    install -m 755 /bin/busybox "$root/bin/busybox"
    while read -r p; do
        case "$p" in linuxrc|bin/busybox|'') continue ;; esac
        mkdir -p "$root/$(dirname "$p")"
        [ -e "$root/$p" ] || [ -L "$root/$p" ] || ln -s /bin/busybox "$root/$p"
    done < <(/bin/busybox --list-full)
    ln -sf busybox "$root/bin/sh"
    mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true # the kernel's built-in cpio has it too
    mknod -m 666 "$root/dev/null" c 1 3 2>/dev/null || true
}

# --- host binaries with their shared libraries -----------------------------
# System binaries get their libraries in /lib/x86_64-linux-gnu; installer-only
# tools live in /installer/{bin,lib} (not copied into the live tmpfs root nor
# onto installed disks).
copy_libs() { # $1 = ELF, $2 = library dir in the image
    local lib dst
    for lib in $(ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
        case "$lib" in
            */ld-linux-x86-64.so.2) dst=$R/lib64/ld-linux-x86-64.so.2 ;;
            *) [ -e "$R/lib/x86_64-linux-gnu/${lib##*/}" ] && continue
               dst=$R$2/${lib##*/} ;;
        esac
        mkdir -p "$(dirname "$dst")"
        [ -e "$dst" ] || cp -L "$lib" "$dst"
    done
}
copy_bin() { # $1 = host path, $2 = path in image, [$3 = library dir]
    rm -f "$R$2"
    mkdir -p "$(dirname "$R$2")"
    cp -L "$1" "$R$2"
    chmod 755 "$R$2"
    copy_libs "$1" "${3:-/lib/x86_64-linux-gnu}"
}

mkcpio() { # $1 = dir, [find filters...] -> stdout
    local dir=$1
    shift
    (cd "$dir" && find . -mindepth 1 "$@" | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
}
compress() { # stdin -> stdout; lz4 (legacy frames) unpacks fastest under TCG
    if [ "$compressor" = lz4 ]; then lz4 -l -9 -q -c; else gzip -6 -c; fi
}

# Kernel modules named in a list file (one a line, # comments), with their
# dependencies, into $R/lib/modules/KVER, then depmod. $3: the root the
# kernel's modules are read from (default: this host).
copy_modules() { # $1 = kernel version, $2 = list file, [$3 = source root]
    local kver=$1 list=$2 base=${3:-} m deps ko f
    for m in $(grep -v '^#' "$list"); do
        deps=$(modprobe ${base:+-d "$base"} -S "$kver" --show-depends "$m" 2>/dev/null) || {
            echo "warning: module $m not available for $kver" >&2
            continue
        }
        for ko in $(echo "$deps" | awk '$1 == "insmod" { print $2 }'); do
            ko=${ko#"$base"}
            [ -e "$R$ko" ] && continue
            mkdir -p "$(dirname "$R$ko")"
            cp "$base$ko" "$R$ko"
        done
    done
    for f in modules.order modules.builtin modules.builtin.modinfo; do
        [ -f "$base/lib/modules/$kver/$f" ] && cp "$base/lib/modules/$kver/$f" "$R/lib/modules/$kver/"
    done
    depmod -b "$R" "$kver"
    check_module_deps "$kver"
}
# --show-depends follows modules.dep, which depmod writes from the modules it
# finds: a dependency missing from the source tree is left out silently and
# the module then fails to load at boot ("Unknown symbol", below the quiet
# loglevel). Each module's own depends: field (written when the kernel was
# built) is authoritative: every name in it must be in the image.
check_module_deps() { # $1 = kernel version
    local dir=$R/lib/modules/$1 have ko d missing=
    have=" $(find "$dir" -name '*.ko*' | sed 's|.*/||; s/\.ko.*//; s/-/_/g' | tr '\n' ' ') "
    for ko in $(find "$dir" -name '*.ko*'); do
        for d in $(modinfo -F depends "$ko" | tr ',' ' '); do
            case $have in *" ${d//-/_} "*) ;; *) missing+=" ${ko##*/} needs $d;" ;; esac
        done
    done
    [ -z "$missing" ] || { echo "error: modules missing from the image's source tree:$missing" >&2; return 1; }
}
