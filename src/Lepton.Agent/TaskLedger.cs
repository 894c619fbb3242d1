using System.Globalization;
using System.Text.Json;
using Lepton.Agent.Execution;

namespace Lepton.Agent;

/// <summary>A file listing the task processes this agent started, so that a restarted agent can kill what it left behind.</summary>
/// <remarks>
/// Tasks run in their own sessions, so they outlive an agent that is killed with SIGKILL. Their output pipes are gone
/// and the server will have requeued or will re-assign them, so a restarted agent kills every process group in the
/// ledger; the server then re-sends the attempts it still wants. Each entry records the process start time from
/// <c>/proc/PID/stat</c>, so a pid reused by an unrelated process is never signalled.
/// </remarks>
internal sealed class TaskLedger
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public TaskLedger(string path) => _path = path;

    /// <summary>Kills every process group left by a previous run of the agent and empties the ledger; returns how many were killed.</summary>
    public int KillLeftovers()
    {
        if (!File.Exists(_path))
        {
            return 0;
        }

        Entry[] entries;
        try
        {
            entries = JsonSerializer.Deserialize<Entry[]>(File.ReadAllText(_path)) ?? [];
        }
        catch (JsonException)
        {
            entries = [];
        }

        var killed = 0;
        foreach (var entry in entries)
        {
            if (entry.Pid > 1 && StartTime(entry.Pid) == entry.StartTime && ProcessGroup.Signal(entry.Pid, ProcessGroup.SigKill))
            {
                killed++;
            }
        }

        File.Delete(_path);
        return killed;
    }

    public void Add(string key, int pid)
    {
        lock (_gate)
        {
            _entries[key] = new Entry(pid, StartTime(pid));
            Save();
        }
    }

    public void Remove(string key)
    {
        lock (_gate)
        {
            if (_entries.Remove(key))
            {
                Save();
            }
        }
    }

    private void Save()
    {
        var temporary = _path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(_entries.Values.ToArray()));
        File.Move(temporary, _path, overwrite: true);
    }

    /// <summary>Field 22 of <c>/proc/PID/stat</c> (start time in clock ticks since boot), or null when the process is gone.</summary>
    private static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private sealed record Entry(int Pid, long? StartTime);
}
