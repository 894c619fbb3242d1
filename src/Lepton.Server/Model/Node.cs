using Lepton.Client.Contracts;
using Lepton.Core.Cluster;

namespace Lepton.Server.Model;

/// <summary>A registered node in the in-memory model; one row in the store's <c>nodes</c> table.</summary>
/// <remarks>Live usage and the heartbeat time are kept in memory only: they change every few seconds and are worth
/// nothing after a restart (a restarted server gives every node a fresh heartbeat deadline).</remarks>
internal sealed class Node
{
    public required string Name { get; init; }
    public required NodeRegistration Registration { get; set; }
    public NodeState State { get; set; }
    public DateTimeOffset RegisteredAt { get; set; }
    public DateTimeOffset LastHeartbeat { get; set; }
    public NodeUsage? Usage { get; set; }

    /// <summary>GPU model of the node (all its GPUs are one model).</summary>
    public string GpuModel => Registration.Gpus.Count > 0 ? Registration.Gpus[0].Model : "";

    /// <summary>The node as the placement core sees it.</summary>
    public NodeSpec ToSpec() => new()
    {
        Name = Name,
        CpuMilli = Registration.CpuMilli,
        MemoryMiB = Registration.MemoryMiB,
        GpuCount = Registration.Gpus.Count,
        GpuModel = GpuModel,
        Fpga = Registration.Fpga,
        NetworkMbps = Registration.NetworkMbps,
        RdmaNics = Registration.RdmaNics,
        Labels = Registration.Labels,
        PricePerHour = Registration.PricePerHour,
        IdleWatts = Registration.IdleWatts,
        PeakWatts = Registration.PeakWatts,
        State = State,
    };
}
