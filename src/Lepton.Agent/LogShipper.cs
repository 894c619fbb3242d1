using Lepton.Agent.Execution;
using Lepton.Client.Contracts;

namespace Lepton.Agent;

/// <summary>Batches one task attempt's output and ships it to the server in chunks, keeping a local copy in its working directory.</summary>
/// <remarks>
/// Lines are buffered as they arrive and sent every flush interval; consecutive lines of the same stream travel as one
/// <see cref="LogChunk"/>, so order is kept within and across streams. A chunk the server cannot take right now is
/// kept and retried on the next flush; the final flush happens before the exit is reported, so a finished job's logs
/// are complete.
/// </remarks>
internal sealed class LogShipper : IAsyncDisposable
{
    private const int MaxBufferedChars = 4 * 1024 * 1024;

    /// <summary>The agent's local copy of a task's output stops here, so a task printing forever cannot fill the node's disk.</summary>
    private const long MaxLocalCopyChars = 64L * 1024 * 1024;
    private readonly ServerConnection _server;
    private readonly string _node;
    private readonly long _taskId;
    private readonly int _attempt;
    private readonly StreamWriter _localCopy;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private List<LogLine> _buffer = [];
    private List<LogChunk> _unsent = [];
    private int _bufferedChars;
    private long _droppedLines;
    private long _localCopyChars;

    public LogShipper(ServerConnection server, string node, long taskId, int attempt, string localPath, TimeSpan flushInterval)
    {
        _server = server;
        _node = node;
        _taskId = taskId;
        _attempt = attempt;
        _localCopy = new StreamWriter(localPath, append: true) { AutoFlush = false };
        _loop = RunAsync(flushInterval);
    }

    /// <summary>Takes one line (called from the process's output readers).</summary>
    public void Add(LogLine line)
    {
        lock (_gate)
        {
            // A task that floods output while the server is unreachable must not exhaust the agent's memory.
            if (_bufferedChars > MaxBufferedChars)
            {
                _droppedLines++;
                return;
            }

            _buffer.Add(line);
            _bufferedChars += line.Text.Length + 1;
        }
    }

    /// <summary>Sends everything buffered so far; returns false when some of it could not be delivered yet.</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<LogLine> lines;
            long dropped;
            lock (_gate)
            {
                lines = _buffer;
                dropped = _droppedLines;
                _buffer = [];
                _bufferedChars = 0;
                _droppedLines = 0;
            }

            foreach (var line in lines)
            {
                if (_localCopyChars > MaxLocalCopyChars)
                {
                    break;
                }

                _localCopyChars += line.Text.Length + 1;
                await _localCopy.WriteLineAsync(_localCopyChars > MaxLocalCopyChars ? "[lepton-agent] local copy cut here (64 Mi characters); the server has the rest".AsMemory() : line.Text.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            await _localCopy.FlushAsync(cancellationToken).ConfigureAwait(false);
            _unsent.AddRange(ToChunks(lines));
            if (dropped > 0)
            {
                _unsent.Add(new LogChunk { Attempt = _attempt, Stream = "stderr", Text = $"[lepton-agent] {dropped} lines dropped: the server was unreachable and the buffer was full\n" });
            }

            var sent = 0;
            try
            {
                foreach (var chunk in _unsent)
                {
                    // A refused chunk (stale attempt) is dropped: retrying it could never succeed.
                    await _server.SendLogAsync(_node, _taskId, chunk, cancellationToken).ConfigureAwait(false);
                    sent++;
                }
            }
            catch (Exception e) when (e is HttpRequestException or ServerException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Kept for the next flush.
            }

            _unsent = _unsent[sent..];
            return _unsent.Count == 0;
        }
        finally
        {
            _sending.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _localCopy.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _sending.Dispose();
    }

    private async Task RunAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            await FlushAsync(_stop.Token).ConfigureAwait(false);
        }
    }

    private List<LogChunk> ToChunks(List<LogLine> lines)
    {
        var chunks = new List<LogChunk>();
        var text = new System.Text.StringBuilder();
        string? stream = null;
        foreach (var line in lines)
        {
            if (stream is not null && (line.Stream != stream || text.Length > 256 * 1024))
            {
                chunks.Add(new LogChunk { Attempt = _attempt, Stream = stream, Text = text.ToString() });
                text.Clear();
            }

            stream = line.Stream;
            text.Append(line.Text).Append('\n');
        }

        if (stream is not null)
        {
            chunks.Add(new LogChunk { Attempt = _attempt, Stream = stream, Text = text.ToString() });
        }

        return chunks;
    }
}
