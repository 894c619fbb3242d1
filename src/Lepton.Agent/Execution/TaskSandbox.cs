using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lepton.Agent.Execution;

/// <summary>Starts a task in its own Linux namespaces, as an unprivileged user, with the agent's files out of its sight.</summary>
/// <remarks>
/// <para>Built from util-linux alone (<c>setpriv</c>, <c>setsid</c>, <c>unshare</c>, <c>mount</c>), so a node needs no extra
/// package. The agent runs:</para>
/// <code>
/// setpriv --pdeathsig KILL -- setsid -- unshare [--user --map-root-user] --mount --pid --ipc --uts --fork --kill-child --mount-proc \
///     -- /bin/sh -c INIT lepton-task-init COMMAND...
/// </code>
/// <para>INIT is PID 1 of the new PID namespace. It mounts a fresh tmpfs on <c>/dev/shm</c>, bind-mounts the task's
/// directory aside, hides every <see cref="HiddenPaths">hidden path</see> (a directory under an empty read-only tmpfs,
/// a file under <c>/dev/null</c>; likewise the highest folder above the task's directory that the task's user could not
/// pass through, e.g. <c>/root</c>), gives the task private <c>/tmp</c> and <c>/var/tmp</c>, binds the task's directory
/// back in place and starts the command through a privilege drop: <c>setpriv --reuid U --regid G --clear-groups
/// --inh-caps=-all --bounding-set=-all --no-new-privs</c> when the agent is root, or a nested <c>unshare --user --mount
/// --map-user=UID</c> (which locks the mounts above against unmounting) when it is not. INIT forwards SIGTERM to every
/// process of the namespace and exits with the command's status; when it exits the kernel kills whatever is left.</para>
/// <para>Tasks die with the agent: <c>--pdeathsig KILL</c> kills <c>unshare</c> when the agent dies (even by SIGKILL),
/// <c>--kill-child</c> then kills INIT, and the death of a PID namespace's init kills every process in it.</para>
/// <para>The job's environment never reaches the programs that run as root: the wrapper chain runs with only a fixed
/// <c>PATH</c>, and the task's variables travel encoded under a random per-launch prefix that a small decoder, run after
/// the privilege drop, turns back into the task's environment just before it executes the command.</para>
/// <para>Limits: the network namespace is shared (gang replicas must reach each other), so a task can open connections
/// to anything the machine can reach, including the server (which needs a token it cannot see); the rest of the
/// filesystem stays visible with its ordinary permissions; no cgroup limits are applied here.</para>
/// </remarks>
public sealed class TaskSandbox
{
    /// <summary>The <c>PATH</c> of the wrapper programs that run before the privilege drop.</summary>
    private const string WrapperPath = "/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Creates a sandbox hiding <paramref name="hiddenPaths"/>; tasks run as <paramref name="runAs"/> (default <c>nobody</c>) when the agent is root.</summary>
    /// <exception cref="ArgumentException"><paramref name="runAs"/> given while the agent is not root.</exception>
    public TaskSandbox(IEnumerable<string> hiddenPaths, TaskUser? runAs = null)
    {
        ArgumentNullException.ThrowIfNull(hiddenPaths);
        if (!Environment.IsPrivilegedProcess && runAs is not null)
        {
            throw new ArgumentException("--run-as needs the agent to run as root; an unprivileged agent runs tasks as its own user inside a user namespace");
        }

        RunAs = Environment.IsPrivilegedProcess ? runAs ?? TaskUser.Resolve(TaskUser.DefaultName) : null;
        // Longest first, so a path inside another hidden one is covered before its parent disappears under a tmpfs.
        HiddenPaths = [.. hiddenPaths.Select(p => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p))).Distinct(StringComparer.Ordinal).OrderByDescending(p => p.Length)];
    }

    /// <summary>Paths (directories or files) that tasks must not see.</summary>
    public IReadOnlyList<string> HiddenPaths { get; }

    /// <summary>The account tasks run as (the agent is root), or null (the agent's own user, inside a user namespace).</summary>
    public TaskUser? RunAs { get; }

    /// <summary>The name of the first program this sandbox needs that is not installed, or null when all are.</summary>
    public static string? MissingProgram() =>
        new[] { "setpriv", "setsid", "unshare", "mount", "umount", "sh" }.FirstOrDefault(p => SystemTool.Find(p) is null);

    /// <summary>Runs a trial task in this sandbox under <paramref name="directory"/> (removed afterwards); null when it works, otherwise why not.</summary>
    public string? Probe(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "namespaces need Linux";
        }

        if (MissingProgram() is { } missing)
        {
            return $"'{missing}' (util-linux) is not installed";
        }

        var work = Path.Combine(directory, "work");
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        try
        {
            TaskDirectory.CreatePrivate(directory);
            TaskDirectory.CreateFor(work, RunAs);
            var launch = new TaskLaunch("isolation-probe", 0, 1, 0, ["/bin/sh", "-c", "test -w ."], new Dictionary<string, string>(), [], []);
            var task = TaskProcess.Start(launch, work, line => lines.Enqueue(line.Text), this);
            try
            {
                if (!task.Completion.Wait(TimeSpan.FromSeconds(30)))
                {
                    return "a trial task in new namespaces did not finish within 30 s";
                }

                return task.Completion.Result == 0
                    ? null
                    : $"a trial task in new namespaces failed with exit code {task.Completion.Result}{(lines.IsEmpty ? "" : ": " + string.Join(" / ", lines.TakeLast(3)))}";
            }
            finally
            {
                task.DisposeAsync().AsTask().Wait();
            }
        }
        catch (TaskStartException e)
        {
            return e.Message;
        }
        finally
        {
            TaskDirectory.Delete(directory);
        }
    }

    /// <summary>Fills <paramref name="info"/> to run <paramref name="command"/> in the sandbox with exactly <paramref name="environment"/>.</summary>
    internal void Configure(ProcessStartInfo info, IReadOnlyList<string> command, IReadOnlyList<KeyValuePair<string, string>> environment, string workingDirectory)
    {
        var tool = (string name) => SystemTool.Find(name) ?? throw new TaskStartException($"cannot isolate the task: '{name}' is not installed");
        var directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workingDirectory));
        var prefix = "_L" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)) + "_";

        info.FileName = tool("setpriv");
        info.WorkingDirectory = "/";
        info.Environment.Clear();
        info.Environment["PATH"] = WrapperPath;
        for (var i = 0; i < environment.Count; i++)
        {
            info.Environment[prefix + i.ToString(CultureInfo.InvariantCulture)] = environment[i].Key + "=" + environment[i].Value;
        }

        string[] arguments =
        [
            "--pdeathsig", "KILL", "--", tool("setsid"), "--", tool("unshare"),
            .. RunAs is null ? (string[])["--user", "--map-root-user"] : [],
            "--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc", "--",
            tool("sh"), "-c", InitScript(directory, prefix, environment.Count), "lepton-task-init",
            .. command,
        ];
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
    }

    /// <summary>The script PID 1 runs: hide, bind the task's directory back, drop privileges, run, forward signals.</summary>
    private string InitScript(string directory, string prefix, int variables)
    {
        var sh = SystemTool.Find("sh")!;
        var script = new StringBuilder();
        script.AppendLine("set -e");
        script.AppendLine("mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm");
        script.AppendLine("mkdir /dev/shm/.lepton-task");
        script.AppendLine($"mount --bind {Quote(directory)} /dev/shm/.lepton-task");
        foreach (var path in HiddenPaths.Concat(UntraversableAncestors(directory)))
        {
            var p = Quote(path);
            script.AppendLine($"if [ -d {p} ]; then mount -t tmpfs -o size=64k,mode=0555,nosuid,nodev,noexec tmpfs {p}; elif [ -e {p} ]; then mount --bind /dev/null {p}; fi");
        }

        script.AppendLine("mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp");
        script.AppendLine("if [ -d /var/tmp ]; then mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp; fi");
        script.AppendLine($"mkdir -p {Quote(directory)}");
        script.AppendLine($"mount --bind /dev/shm/.lepton-task {Quote(directory)}");
        script.AppendLine("umount /dev/shm/.lepton-task");
        script.AppendLine("rmdir /dev/shm/.lepton-task");
        script.AppendLine("set +e");
        // PID 1 of a namespace gets no signal it has no handler for: forward a stop to everything in the namespace.
        script.AppendLine("trap 'kill -TERM -1 2>/dev/null' TERM INT HUP");
        var drop = RunAs is { } user
            ? $"setpriv --reuid {user.Uid} --regid {user.Gid} --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs --"
            : $"unshare --user --mount --map-user={Geteuid()} --map-group={Getegid()} -- setpriv --inh-caps=-all --bounding-set=-all --no-new-privs --";
        script.AppendLine($"{drop} {sh} -c {Quote(Decoder(prefix, variables))} lepton-task {Quote(directory)} \"$@\" &");
        script.AppendLine("c=$!");
        // wait returns early when a trapped signal arrives; wait again until the task itself is gone.
        script.AppendLine("while :; do wait $c; r=$?; kill -0 $c 2>/dev/null || break; done");
        script.AppendLine("exit $r");
        return script.ToString();
    }

    /// <summary>The script that runs as the task's user: enters the directory, decodes the environment, executes the command.</summary>
    /// <remarks>Its own variables carry the random prefix, so no variable of the job can overwrite them. Names that a shell
    /// cannot export (<c>a.b</c>) are handed to <c>env</c> instead.</remarks>
    private static string Decoder(string prefix, int variables) =>
        """
        cd "$1" || exit 126
        shift
        unset OLDPWD
        @i=0
        @e=
        while [ "$@i" -lt @count ]; do
          eval "@v=\${@${@i}}"
          unset "@${@i}"
          case "${@v%%=*}" in
            ''|[0-9]*|*[!A-Za-z0-9_]*) set -- "$@v" "$@"; @e=1 ;;
            *) export "$@v" ;;
          esac
          @i=$(($@i + 1))
        done
        unset @i @v
        if [ -n "$@e" ]; then unset @e; exec env "$@"; fi
        exec "$@"
        """.Replace("\"$@\"", "\u0001", StringComparison.Ordinal)
            .Replace("@count", variables.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@", prefix, StringComparison.Ordinal)
            .Replace("\u0001", "\"$@\"", StringComparison.Ordinal);

    /// <summary>The highest folder above <paramref name="directory"/> that the task's user could not pass through (say
    /// <c>/root</c>, mode 0700, when <c>lepton up</c> runs there), outside the hidden paths; empty when there is none.</summary>
    /// <remarks>Such a folder is covered with an empty tmpfs like a hidden one: the task could not read it anyway, and the path
    /// to its own directory, rebuilt inside the tmpfs, becomes reachable. Only when the task runs as another user.</remarks>
    private IReadOnlyList<string> UntraversableAncestors(string directory)
    {
        if (RunAs is null || OperatingSystem.IsWindows())
        {
            return [];
        }

        string? highest = null;
        for (var ancestor = Path.GetDirectoryName(directory); ancestor is not null && ancestor != "/"; ancestor = Path.GetDirectoryName(ancestor))
        {
            var hidden = HiddenPaths.Any(h => ancestor == h || ancestor.StartsWith(h + "/", StringComparison.Ordinal));
            if (!hidden && (File.GetUnixFileMode(ancestor) & UnixFileMode.OtherExecute) == 0)
            {
                highest = ancestor;
            }
        }

        return highest is null ? [] : [highest];
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint Geteuid();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getegid")]
    private static extern uint Getegid();
}
