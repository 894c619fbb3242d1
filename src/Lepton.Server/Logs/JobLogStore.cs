using System.Collections.Concurrent;
using System.Text;

namespace Lepton.Server.Logs;

/// <summary>Keeps the output of every job's tasks in one append-only file per job under <c>DATA/logs</c>, capped per task attempt.</summary>
/// <remarks>
/// <para>Each line the agents send becomes one record <c>replica TAB attempt TAB stream TAB text</c>, in arrival order, so that
/// the lines of a gang's replicas interleave as they were produced and a follower can resume from a byte offset. Logs
/// live beside the database, not in it: they are large, append-only and never queried by the scheduler.</para>
/// <para>A job's output is untrusted and unbounded (a job running <c>yes</c>): each task attempt may write at most
/// <see cref="CapPerTask"/> bytes of records; the line that crosses the cap is replaced by one marker line on stderr saying
/// where the output was cut, and later lines are dropped. Reads never hold more than one window (<see cref="ReadWindow"/>)
/// or the requested tail of a file in memory.</para>
/// </remarks>
internal sealed class JobLogStore
{
    /// <summary>Default cap on one task attempt's output: 64 MiB.</summary>
    public const long DefaultCapPerTask = 64L * 1024 * 1024;

    /// <summary>How much of a file one read scans at most (a record longer than this widens the window up to 16 MiB).</summary>
    public const int ReadWindow = 1024 * 1024;

    /// <summary>Start of the marker line written where a task's output was cut.</summary>
    public const string CutMarker = "[lepton] output cut:";

    private const int MaxWindow = 16 * 1024 * 1024;
    private readonly string _directory;
    private readonly ConcurrentDictionary<long, JobLog> _jobs = new();

    public JobLogStore(string dataDir, long capPerTask = DefaultCapPerTask)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capPerTask, 1024);
        CapPerTask = capPerTask;
        _directory = Path.Combine(dataDir, "logs");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_directory);
        }
        else
        {
            Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Bytes of records one task attempt may write.</summary>
    public long CapPerTask { get; }

    /// <summary>Appends a chunk of one task attempt's output (one or more lines); returns false when (part of) it was dropped by the cap.</summary>
    public bool Append(long jobId, int replica, int attempt, string stream, string text)
    {
        var lines = text.Split('\n');
        var count = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        var log = _jobs.GetOrAdd(jobId, _ => new JobLog());
        lock (log)
        {
            var path = PathOf(jobId);
            if (!log.Counted)
            {
                Count(path, log);
                log.Counted = true;
            }

            var key = (replica, attempt);
            var used = log.Bytes.GetValueOrDefault(key);
            if (used >= CapPerTask)
            {
                return false;
            }

            var records = new StringBuilder(Math.Min(text.Length + 64, ReadWindow));
            var prefix = $"{replica}\t{attempt}\t";
            var kept = true;
            for (var i = 0; i < count; i++)
            {
                var record = $"{prefix}{stream}\t{lines[i].TrimEnd('\r')}\n";
                var size = Encoding.UTF8.GetByteCount(record);
                if (used + size > CapPerTask)
                {
                    records.Append(prefix).Append("stderr\t").Append(CutMarker)
                        .Append($" this task attempt reached the server's log limit of {CapPerTask} bytes; later output is dropped\n");
                    used = CapPerTask;
                    kept = false;
                    break;
                }

                records.Append(record);
                used += size;
            }

            log.Bytes[key] = used;
            if (records.Length > 0)
            {
                using var file = OpenAppend(path);
                var bytes = Encoding.UTF8.GetBytes(records.ToString());
                file.Write(bytes);
            }

            return kept;
        }
    }

    /// <summary>Reads at most one window of records from byte <paramref name="offset"/>, up to the last complete line, rendered as text.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="offset">Where the previous read ended (0 for the start).</param>
    /// <param name="filter">Which lines to keep and how to show them.</param>
    /// <param name="limit">Most bytes of the file to scan (at least one whole record is always read).</param>
    /// <returns>The rendered text, the offset to continue from, and whether the end of the file was reached.</returns>
    public (string Text, long Next, bool AtEnd) Read(long jobId, long offset, LogFilter filter, int limit = ReadWindow)
    {
        var path = PathOf(jobId);
        if (!File.Exists(path))
        {
            return ("", offset, true);
        }

        using var file = OpenRead(path);
        var length = file.Length;
        if (length <= offset)
        {
            return ("", offset, true);
        }

        var window = Math.Max(1, limit);
        while (true)
        {
            var size = (int)Math.Min(window, length - offset);
            var bytes = new byte[size];
            file.Seek(offset, SeekOrigin.Begin);
            file.ReadExactly(bytes);
            // A writer may be half-way through a record: stop at the last newline and resume there next time.
            var end = Array.LastIndexOf(bytes, (byte)'\n');
            if (end < 0)
            {
                if (size < window)
                {
                    // The rest is a record still being written: nothing complete to return yet.
                    return ("", offset, true);
                }

                if (window >= MaxWindow)
                {
                    // A record longer than any chunk an agent may send cannot be real: skip it rather than stall.
                    return ("", offset + size, offset + size >= length);
                }

                window = Math.Min(window * 2, MaxWindow);
                continue;
            }

            var text = new StringBuilder();
            Render(Encoding.UTF8.GetString(bytes, 0, end), filter, text);
            var next = offset + end + 1;
            return (text.ToString(), next, next >= length);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines that pass <paramref name="filter"/>, read backwards in blocks.</summary>
    /// <returns>The rendered text and the offset just past the last complete record (to follow from).</returns>
    public (string Text, long Next) Tail(long jobId, int lines, LogFilter filter)
    {
        var path = PathOf(jobId);
        if (!File.Exists(path) || lines <= 0)
        {
            return ("", 0);
        }

        using var file = OpenRead(path);
        var length = file.Length;
        var block = new byte[64 * 1024];
        var found = new List<string>();
        var carry = Array.Empty<byte>();
        var first = true;
        var pos = length;
        long next = 0;
        while (pos > 0 && found.Count < lines)
        {
            var size = (int)Math.Min(block.Length, pos);
            pos -= size;
            file.Seek(pos, SeekOrigin.Begin);
            file.ReadExactly(block, 0, size);
            var chunk = new byte[size + carry.Length];
            Array.Copy(block, chunk, size);
            Array.Copy(carry, 0, chunk, size, carry.Length);
            var stop = chunk.Length;
            if (first)
            {
                // Drop a trailing half-written record.
                var last = Array.LastIndexOf(chunk, (byte)'\n');
                if (last < 0)
                {
                    carry = chunk.Length > MaxWindow ? [] : chunk;
                    continue;
                }

                stop = last;
                next = pos + last + 1;
                first = false;
            }

            // Records wholly inside chunk[..stop] start after a newline (or at the file's start).
            var cut = stop;
            while (found.Count < lines)
            {
                var nl = cut > 0 ? Array.LastIndexOf(chunk, (byte)'\n', cut - 1) : -1;
                if (nl < 0 && pos > 0)
                {
                    break;
                }

                var record = Encoding.UTF8.GetString(chunk, nl + 1, cut - nl - 1);
                var rendered = new StringBuilder();
                Render(record, filter, rendered);
                if (rendered.Length > 0)
                {
                    found.Add(rendered.ToString());
                }

                cut = nl;
                if (nl < 0)
                {
                    break;
                }
            }

            // Keep the incomplete start of the block for the next (earlier) block; an absurdly long record is given up on.
            carry = cut > 0 && cut <= MaxWindow ? chunk[..cut] : [];
        }

        found.Reverse();
        return (string.Concat(found), next);
    }

    /// <summary>Deletes the log of <paramref name="jobId"/> (retention).</summary>
    public void Delete(long jobId)
    {
        var log = _jobs.GetOrAdd(jobId, _ => new JobLog());
        lock (log)
        {
            File.Delete(PathOf(jobId));
            _jobs.TryRemove(jobId, out _);
        }
    }

    /// <summary>Job ids that have a log file.</summary>
    public IEnumerable<long> JobsWithLogs()
    {
        foreach (var path in Directory.EnumerateFiles(_directory, "job-*.log"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (long.TryParse(name.AsSpan(4), out var id))
            {
                yield return id;
            }
        }
    }

    private static void Render(string records, LogFilter filter, StringBuilder text)
    {
        foreach (var record in records.Split('\n'))
        {
            var fields = record.Split('\t', 4);
            if (fields.Length != 4 || !int.TryParse(fields[0], out var replica))
            {
                continue;
            }

            if ((filter.Replica is { } only && only != replica) || (filter.Stream is { } stream && stream != fields[2]))
            {
                continue;
            }

            if (filter.PrefixReplica)
            {
                text.Append("[replica ").Append(replica).Append("] ");
            }

            text.Append(fields[3]).Append('\n');
        }
    }

    /// <summary>Counts the bytes each task attempt already wrote (first append after a start), streaming the file once.</summary>
    private static void Count(string path, JobLog log)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var reader = new StreamReader(OpenRead(path), Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            var fields = line.Split('\t', 4);
            if (fields.Length != 4 || !int.TryParse(fields[0], out var replica) || !int.TryParse(fields[1], out var attempt))
            {
                continue;
            }

            var key = (replica, attempt);
            log.Bytes[key] = fields[3].StartsWith(CutMarker, StringComparison.Ordinal)
                ? long.MaxValue / 2
                : log.Bytes.GetValueOrDefault(key) + Encoding.UTF8.GetByteCount(line) + 1;
        }
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    private static FileStream OpenAppend(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete };
        if (!OperatingSystem.IsWindows())
        {
            // Job output may hold secrets: owner-only, like the database.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    private string PathOf(long jobId) => Path.Combine(_directory, $"job-{jobId}.log");

    /// <summary>Per-job append state: bytes written per (replica, attempt); locked while appending.</summary>
    private sealed class JobLog
    {
        public bool Counted { get; set; }
        public Dictionary<(int Replica, int Attempt), long> Bytes { get; } = [];
    }
}

/// <summary>Which log lines to return and how: one replica or all, one stream or both, with replica prefixes or not.</summary>
internal sealed record LogFilter(int? Replica, string? Stream, bool PrefixReplica);
