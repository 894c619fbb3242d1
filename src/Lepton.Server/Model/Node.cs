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

    /// <summary>True for a node loaded from the store whose agent has not heartbeated since this server started.</summary>
    /// <remarks>Such a node is offered no work (the placement core sees it Down) until its agent speaks: a node left over
    /// from an earlier run, whose agent is gone, must never receive a task it would only lose a heartbeat timeout later.</remarks>
    public bool AwaitingHeartbeat { get; set; }

    /// <summary>The state work placement sees: <see cref="State"/>, except Down while <see cref="AwaitingHeartbeat"/>.</summary>
    public NodeState EffectiveState => AwaitingHeartbeat ? NodeState.Down : State;

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
        State = EffectiveState,
    };
}
