using System.Collections.Concurrent;
using System.Text;

namespace Lepton.Server.Logs;

/// <summary>Keeps the output of every job's tasks in one append-only file per job under <c>DATA/logs</c>.</summary>
/// <remarks>
/// Each line the agents send becomes one record <c>replica TAB attempt TAB stream TAB text</c>, in arrival order, so that
/// the lines of a gang's replicas interleave as they were produced and a follower can resume from a byte offset. Logs
/// live beside the database, not in it: they are large, append-only and never queried by the scheduler.
/// </remarks>
internal sealed class JobLogStore
{
    private readonly string _directory;
    private readonly ConcurrentDictionary<long, Lock> _locks = new();

    public JobLogStore(string dataDir)
    {
        _directory = Path.Combine(dataDir, "logs");
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Appends a chunk of one task attempt's output (one or more lines).</summary>
    public void Append(long jobId, int replica, int attempt, string stream, string text)
    {
        var records = new StringBuilder(text.Length + 64);
        var lines = text.Split('\n');
        var count = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++)
        {
            records.Append(replica).Append('\t').Append(attempt).Append('\t').Append(stream).Append('\t')
                .Append(lines[i].TrimEnd('\r')).Append('\n');
        }

        var gate = _locks.GetOrAdd(jobId, _ => new Lock());
        lock (gate)
        {
            File.AppendAllText(PathOf(jobId), records.ToString());
        }
    }

    /// <summary>Reads the records from byte <paramref name="offset"/> up to the last complete line, rendered as text.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="offset">Where the previous read ended (0 for the start).</param>
    /// <param name="filter">Which lines to keep and how to show them.</param>
    /// <returns>The rendered text and the offset to continue from.</returns>
    public (string Text, long Next) Read(long jobId, long offset, LogFilter filter)
    {
        var path = PathOf(jobId);
        if (!File.Exists(path))
        {
            return ("", offset);
        }

        byte[] bytes;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            if (file.Length <= offset)
            {
                return ("", offset);
            }

            file.Seek(offset, SeekOrigin.Begin);
            bytes = new byte[file.Length - offset];
            file.ReadExactly(bytes);
        }

        // A writer may be half-way through a record: stop at the last newline and resume there next time.
        var end = Array.LastIndexOf(bytes, (byte)'\n');
        if (end < 0)
        {
            return ("", offset);
        }

        var text = new StringBuilder();
        foreach (var record in Encoding.UTF8.GetString(bytes, 0, end).Split('\n'))
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

        return (text.ToString(), offset + end + 1);
    }

    private string PathOf(long jobId) => Path.Combine(_directory, $"job-{jobId}.log");
}

/// <summary>Which log lines to return and how: one replica or all, one stream or both, with replica prefixes or not.</summary>
internal sealed record LogFilter(int? Replica, string? Stream, bool PrefixReplica);
