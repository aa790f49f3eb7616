# bash completion for bootgate: commands, each command's options, and
# scenario / report files where a command takes them. Installed as
# /usr/share/bash-completion/completions/bootgate.

_bootgate() {
  local cur prev words cword
  _init_completion || return

  local commands="run ab validate profiles history compare serve merge clean doctor"
  local cmd="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      -*) ;;
      *) cmd=${words[i]}; break ;;
    esac
  done

  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    fi
    return
  fi

  # Options that take a value: complete the value.
  case $prev in
    --report-dir|--dir)
      _filedir -d; return ;;
    --history|--db)
      _filedir db; return ;;
    --probe-kernel)
      _filedir; return ;;
    --accel)
      COMPREPLY=($(compgen -W "auto kvm tcg" -- "$cur")); return ;;
    --backend)
      COMPREPLY=($(compgen -W "qemu libvirt" -- "$cur")); return ;;
    --format)
      COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    --profile)
      local dir
      for dir in scenarios/profiles /usr/share/bootgate/scenarios/profiles; do
        [[ -d $dir ]] && break
      done
      local names
      names=$(cd "$dir" 2>/dev/null && ls -1 -- *.json 2>/dev/null | sed 's/\.json$//')
      COMPREPLY=($(compgen -W "$names" -- "$cur")); return ;;
    --iterations|-n|--warmup|--retries|--jobs|-j|--shard|--until-confident|\
    --connect|--build-id|--label|--pushgateway|--timeout-scale|--select|\
    --limit|--baseline|--candidate|--alpha|--min-effect|--metric|--bind|--port)
      return ;;
  esac

  local opts=""
  case $cmd in
    run)
      opts="--report-dir --history --iterations -n --warmup --retries --jobs -j
            --shard --until-confident --boots-per-install --accel --probe-kernel --profile --backend
            --connect --build-id --label --pushgateway --dry-run --keep --console
            --timeout-scale --quiet -q --no-color --no-html --help" ;;
    ab)
      opts="--baseline --candidate --pairs --until-decided --min-effect --alpha
            --metric --order --seed --warmup --profile --accel --timeout-scale
            --report-dir --history --baseline-build --candidate-build --keep
            --quiet -q --help" ;;
    validate) opts="--help" ;;
    profiles) opts="--dir --help" ;;
    history) opts="--db --select --limit --format --help" ;;
    compare)
      opts="--db --baseline --candidate --alpha --min-effect --metric
            --allow-mismatch --format --help" ;;
    serve) opts="--db --bind --port --help" ;;
    merge) opts="--report-dir --history --help" ;;
    clean) opts="--probe --help" ;;
    doctor) opts="--probe-kernel --no-color --help" ;;
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  case $cmd in
    run|validate) _filedir json ;;  # scenario files
    merge) _filedir json ;;         # shard report.json files
  esac
} &&
  complete -F _bootgate bootgate
