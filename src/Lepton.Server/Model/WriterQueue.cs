namespace Lepton.Server.Model;

/// <summary>The control plane writer's inbox: mutations in arrival order, taken in groups by one dedicated thread that blocks while it is
/// empty.</summary>
/// <remarks>A blocking wait on a monitor wakes the writer directly; an async channel would resume it on the thread pool,
/// behind whatever request work is queued there.</remarks>
internal sealed class WriterQueue<T>
{
    private readonly Queue<T> _items = new();
    private bool _closed;

    /// <summary>How many mutations wait.</summary>
    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds a mutation; false once <see cref="Close"/> was called (the server is shutting down).</summary>
    public bool TryAdd(T mutation)
    {
        lock (_items)
        {
            if (_closed)
            {
                return false;
            }

            _items.Enqueue(mutation);
            if (_items.Count == 1)
            {
                // Only the writer waits, and only on an empty queue.
                Monitor.Pulse(_items);
            }

            return true;
        }
    }

    /// <summary>Blocks until there is work, then moves up to <paramref name="max"/> mutations into <paramref name="batch"/>.</summary>
    /// <returns>False when the queue is closed and drained: the writer stops.</returns>
    public bool TakeBatch(List<T> batch, int max)
    {
        lock (_items)
        {
            while (_items.Count == 0)
            {
                if (_closed)
                {
                    return false;
                }

                Monitor.Wait(_items);
            }

            while (batch.Count < max && _items.TryDequeue(out var mutation))
            {
                batch.Add(mutation);
            }

            return true;
        }
    }

    /// <summary>Refuses new mutations; the writer finishes those already queued and then stops.</summary>
    public void Close()
    {
        lock (_items)
        {
            _closed = true;
            Monitor.PulseAll(_items);
        }
    }
}
