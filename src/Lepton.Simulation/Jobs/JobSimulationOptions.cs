using Lepton.Core.Power;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;

namespace Lepton.Simulation.Jobs;

/// <summary>How a job simulation schedules: the planner's queue discipline, the seed, tenants' quotas.</summary>
public sealed record JobSimulationOptions
{
    /// <summary>The queue discipline of the planner (as <c>lepton serve --queue</c>).</summary>
    public QueueDiscipline Discipline { get; init; } = QueueDiscipline.Default;

    /// <summary>Seed of the placement core's tie-break ranks and of the random policy; nothing else in a run is random.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Whether the planner is told durations (declared, else true ones). False replays what a live server knows
    /// today, no durations at all: EASY then reserves behind jobs of unknown length (see <see cref="Lepton.Core.Queueing.Reservation"/>).</summary>
    public bool DurationsKnown { get; init; } = true;

    /// <summary>Hard cap per tenant, as the server's tenant quotas; a tenant missing here is unlimited.</summary>
    public IReadOnlyDictionary<string, ResourceVector> Quotas { get; init; } = new Dictionary<string, ResourceVector>();

    /// <summary>Power idle nodes off and wake them for the queue (Core's <see cref="PowerDownController"/>); null keeps every node on.</summary>
    public PowerDownOptions? PowerDown { get; init; }

    /// <summary>The power model behind the energy figure; null is <see cref="PowerModel.Default"/> (node files may override it per node).</summary>
    public PowerModel? PowerModel { get; init; }

    /// <summary>The network model: when set, a job's run time includes moving its data (D = L / C) and its gang's
    /// communication slowed to the bottleneck between its replicas, and outcomes carry the topology metrics. Null: the
    /// network is free (as before).</summary>
    public Lepton.Core.Topology.NetworkTopology? Network { get; init; }

    /// <summary>Hide jobs' topology, data and latency fields from the planner (the topology-blind baseline); the network
    /// model still charges for where they land.</summary>
    public bool TopologyBlind { get; init; }

    /// <summary>Share of a gang's run time spent communicating when its replicas share a rack (that part slows by the
    /// rack bandwidth over the bottleneck bandwidth between its replicas).</summary>
    public double GangCommFraction { get; init; } = 0.3;

    /// <summary>Fair share with borrowing and reclaim (as <c>lepton serve --fair-share</c>) instead of <see cref="Quotas"/>;
    /// null keeps hard quotas.</summary>
    public FairSharePolicy? FairShare { get; init; }

    /// <summary>Whether the planner sees run times predicted by a <see cref="Lepton.Core.Prediction.RuntimePredictor"/> that
    /// learns online from the jobs finished so far (as the server's ETA does) instead of declared or true ones; EASY's
    /// reservations then rest on the predictions.</summary>
    public bool LearnRuntimes { get; init; }

    /// <summary>Periodic consolidation with Core's consolidation planner (as <c>lepton defrag</c>), with a cost per move; null: none.</summary>
    public DefragOptions? Defrag { get; init; }
}
