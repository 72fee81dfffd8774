//! How a worker that stopped mid-job died, and what its caller is told: out of memory (the query's size), a
//! stack overflow (its nesting), a fault of the engine, or a death from outside (another process's signal,
//! a crash), which the next try on a fresh worker may not meet.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use crate::EngineError;
use crate::error::says_out_of_memory;

const SIGABRT: i32 = 6;
const SIGKILL: i32 = 9;

/// OOM kills counted so far where this process can see them: the kernel's count of every OOM kill
/// (`oom_kill` in `/proc/vmstat`) plus this process's own memory cgroup's (`oom_kill` of cgroup v2's
/// `memory.events` or v1's `memory.oom_control`, under the path `/proc/self/cgroup` names: a service under
/// systemd or in a container without its own cgroup namespace is not at the root of the hierarchy, and a
/// parent's count does not include its children's in v1). Only a rise matters, so counting one kill twice is
/// harmless; None when no source is readable.
///
/// The worker's own limit (`RLIMIT_AS`) never kills: an allocation fails and the worker aborts saying so. A
/// SIGKILL is an OOM kill only when this count rose while the worker ran its job; otherwise someone killed it.
///
/// The files are found once, when the engine starts (a process does not change cgroups); each job reads them.
#[derive(Debug)]
pub(crate) struct OomKills {
    files: Vec<(String, &'static str)>,
}

impl OomKills {
    pub(crate) fn new() -> Self {
        let cgroups = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        Self {
            files: count_files(&cgroups),
        }
    }

    /// The count now.
    pub(crate) fn now(&self) -> Option<u64> {
        let counts: Vec<u64> = (self.files.iter())
            .filter_map(|(path, prefix)| {
                let text = std::fs::read_to_string(path).ok()?;
                text.lines()
                    .find_map(|line| line.strip_prefix(prefix))
                    .and_then(|count| count.trim().parse().ok())
            })
            .collect();
        (!counts.is_empty()).then(|| counts.iter().sum())
    }
}

/// The files holding OOM-kill counts for a process whose `/proc/self/cgroup` reads `cgroups`, each with the
/// prefix of its count's line.
fn count_files(cgroups: &str) -> Vec<(String, &'static str)> {
    let mut files = vec![("/proc/vmstat".to_string(), "oom_kill ")];
    for line in cgroups.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let path = path.trim_end_matches('/');
        if controllers.is_empty() {
            files.push((format!("/sys/fs/cgroup{path}/memory.events"), "oom_kill "));
        } else if controllers.split(',').any(|c| c == "memory") {
            files.push((
                format!("/sys/fs/cgroup/memory{path}/memory.oom_control"),
                "oom_kill ",
            ));
        }
    }
    files
}

/// What happened to a worker, from its exit `status`, the last lines of its stderr (`tail`) and whether an OOM
/// killer killed a process of this cgroup while it ran (`oom_killed`).
pub(crate) fn classify(
    status: Option<ExitStatus>,
    tail: &[String],
    limit_bytes: u64,
    oom_killed: bool,
) -> EngineError {
    let said = |needle: &str| tail.iter().any(|line| line.contains(needle));
    if said("has overflowed its stack") {
        return EngineError::Query(
            "the query is nested too deeply to run; simplify it (use WITH for intermediate steps)"
                .into(),
        );
    }
    let out_of_memory = tail.iter().any(|line| says_out_of_memory(line));
    // A panic that could not unwind (while panicking, or where nothing catches it) and a failed safety check
    // abort too, but they are faults of the engine, not of the query or the file: a 500, logged.
    let fault = said("panicked at") || said("unsafe precondition");
    let signal = status.and_then(|s| s.signal());
    // An abort is how an allocation failure under the limit ends: one that printed nothing (its words lost
    // with the pipe) is still most likely that.
    let silent_abort = !fault && signal == Some(SIGABRT);
    let oom_kill = signal == Some(SIGKILL) && oom_killed;
    if out_of_memory || silent_abort || oom_kill {
        return EngineError::TooLarge { limit_bytes };
    }
    if let Some(signal) = signal.filter(|_| !fault) {
        return EngineError::WorkerDied {
            cause: signal_cause(signal),
        };
    }
    EngineError::Internal(format!(
        "the engine worker exited during a job ({}); its last output: {}",
        status.map_or("status unknown".to_string(), |s| s.to_string()),
        tail.join(" | ")
    ))
}

/// A signal as a person reads it: its number and what it usually means here.
fn signal_cause(signal: i32) -> String {
    let meaning = match signal {
        SIGKILL => "killed by another process",
        11 => "a crash: invalid memory access",
        7 => "a crash: a file it read changed or shrank",
        15 => "asked to stop by another process",
        _ => "stopped by another process or the system",
    };
    format!("signal {signal}, {meaning}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oom_kills_are_read_from_the_kernel_and_this_process_own_cgroup() {
        let v1 = "9:name=systemd:/\n4:cpu,memory:/process_api/abc\n1:cpu:/\n";
        let files: Vec<String> = count_files(v1).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            files,
            [
                "/proc/vmstat",
                "/sys/fs/cgroup/memory/process_api/abc/memory.oom_control"
            ]
        );
        let v2 = "0::/system.slice/csv-ask.service\n";
        let files: Vec<String> = count_files(v2).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            files,
            [
                "/proc/vmstat",
                "/sys/fs/cgroup/system.slice/csv-ask.service/memory.events"
            ]
        );
        // At the root of its namespace (a container): the hierarchy's own files.
        let files: Vec<String> = count_files("0::/\n").into_iter().map(|(f, _)| f).collect();
        assert_eq!(files, ["/proc/vmstat", "/sys/fs/cgroup/memory.events"]);
        // This machine's kernel says, whatever its cgroups.
        assert!(OomKills::new().now().is_some());
    }

    fn classify(status: ExitStatus, tail: &[String], oom_killed: bool) -> EngineError {
        super::classify(Some(status), tail, 1, oom_killed)
    }

    #[test]
    fn memory_stack_and_engine_faults_are_told_apart() {
        let abort = ExitStatus::from_raw(6);
        let panicked = ExitStatus::from_raw(101 << 8);
        assert!(matches!(
            classify(abort, &[], false),
            EngineError::TooLarge { limit_bytes: 1 }
        ));
        let oom = ["memory allocation of 800000000 bytes failed".to_string()];
        assert!(matches!(
            classify(panicked, &oom, false),
            EngineError::TooLarge { .. }
        ));
        let stack = ["thread 'x' has overflowed its stack".to_string()];
        assert!(matches!(
            classify(abort, &stack, false),
            EngineError::Query(_)
        ));
        assert!(matches!(
            classify(panicked, &["boom".into()], false),
            EngineError::Internal(_)
        ));
        // An abort that says why: a fault of the engine, unless what it says is that memory ran out.
        let precondition = [
            "unsafe precondition(s) violated: slice::get_unchecked requires that the \
                             index is within the slice"
                .to_string(),
        ];
        assert!(matches!(
            classify(abort, &precondition, false),
            EngineError::Internal(_)
        ));
        let double_panic = [
            "thread '<unnamed>' panicked at src/x.rs:1:1:".to_string(),
            "thread caused non-unwinding panic. aborting.".to_string(),
        ];
        assert!(matches!(
            classify(abort, &double_panic, false),
            EngineError::Internal(_)
        ));
        let panicked_for_memory = [
            "thread 'main' panicked at src/x.rs:1:1:".to_string(),
            "failed to spawn thread: Os { code: 11, kind: WouldBlock }".to_string(),
        ];
        assert!(matches!(
            classify(abort, &panicked_for_memory, false),
            EngineError::TooLarge { .. }
        ));
    }

    #[test]
    fn a_kill_or_a_crash_is_a_worker_death_unless_an_oom_killer_struck() {
        let killed = ExitStatus::from_raw(9);
        let segfault = ExitStatus::from_raw(11);
        assert_eq!(
            classify(killed, &[], false),
            EngineError::WorkerDied {
                cause: "signal 9, killed by another process".into()
            }
        );
        assert!(matches!(
            classify(killed, &[], true),
            EngineError::TooLarge { .. }
        ));
        let died = classify(segfault, &[], false);
        assert!(
            matches!(&died, EngineError::WorkerDied { cause } if cause.starts_with("signal 11")),
            "{died:?}"
        );
        assert!(!died.is_client_error());
        // The message names the signal and says what to do.
        assert!(died.to_string().contains("signal 11"), "{died}");
        assert!(died.to_string().contains("try again"), "{died}");
    }
}
