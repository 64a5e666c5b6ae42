#!/usr/bin/env bash
# A throw-away one-node Slurm cluster on loopback, for the sweep-on-a-cluster
# test: `scripts/slurm-cluster.sh up DIR` starts munge, slurmctld and slurmd
# with every file under DIR and waits until the node is idle (then
# `export SLURM_CONF=DIR/slurm.conf`); `scripts/slurm-cluster.sh down DIR`
# stops them by their pid files. Needs root and Debian's slurm-wlm and munge.
set -euo pipefail
cmd=${1:?usage: slurm-cluster.sh up|down DIR}
dir=$(realpath -m "${2:?usage: slurm-cluster.sh up|down DIR}")

stop() {
  for name in slurmd slurmctld munged; do
    pidfile="$dir/$name.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      state=$(ps -o stat= -p "$pid" 2>/dev/null || true)
      [ -z "$state" ] || [[ "$state" == Z* ]] && break
      sleep 0.1
    done
    rm -f "$pidfile"
  done
}

if [ "$cmd" = down ]; then
  stop
  exit 0
fi
[ "$cmd" = up ] || { echo "usage: slurm-cluster.sh up|down DIR" >&2; exit 2; }

mkdir -p "$dir"/{munge,spool/ctld,spool/d,log}
chmod 755 "$dir" "$dir/munge"
key="$dir/munge/munge.key"
sock="$dir/munge/munge.socket"
[ -f "$key" ] || mungekey -c -k "$key" >/dev/null 2>&1
chmod 600 "$key"
munged --key-file="$key" --socket="$sock" --pid-file="$dir/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed" --origin=127.0.0.1

host=$(hostname -s)
node=$(slurmd -C | head -1 | sed -e 's/ RealMemory=[0-9]*//' -e 's/ UpTime=.*//')
cat > "$dir/slurm.conf" <<CONF
ClusterName=parley
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=parley Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" -i
slurmd -f "$SLURM_CONF"
for _ in $(seq 1 100); do
  state=$(sinfo -h -N -o %t 2>/dev/null || true)
  [ "$state" = idle ] && exit 0
  sleep 0.2
done
echo "slurm-cluster: the node did not become idle; see $dir/log" >&2
stop
exit 1
