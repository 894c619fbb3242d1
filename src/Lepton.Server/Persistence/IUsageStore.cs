using Lepton.Server.Energy;

namespace Lepton.Server.Persistence;

/// <summary>Durable energy and cost accounting (<see cref="UsageRow"/>s, summed by key) and the power state of nodes the
/// server switched off.</summary>
/// <remarks>Kept apart from <see cref="IJobStore"/>: usage is written every few seconds off the control plane's writer, and
/// losing the last seconds of it in a crash costs a few joules, not a job. Implementations: <see cref="SqliteUsageStore"/>.</remarks>
internal interface IUsageStore : IDisposable
{
    /// <summary>Adds <paramref name="rows"/> to what is stored (a row whose key exists is summed into it), in one transaction.</summary>
    void Add(IReadOnlyCollection<UsageRow> rows);

    /// <summary>Rows whose bucket starts in [<paramref name="from"/>, <paramref name="to"/>), Unix seconds.</summary>
    List<UsageRow> Query(long from, long to);

    /// <summary>Records the power state of a node (<c>On</c> removes the record).</summary>
    void SavePowerState(string node, string state, DateTimeOffset since);

    /// <summary>Every node recorded as not On, with its state and since when.</summary>
    List<(string Node, string State, DateTimeOffset Since)> LoadPowerStates();
}
