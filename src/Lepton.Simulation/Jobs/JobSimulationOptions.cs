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

    /// <summary>Fair share with borrowing and reclaim (as <c>lepton serve --fair-share</c>) instead of <see cref="Quotas"/>;
    /// null keeps hard quotas.</summary>
    public FairSharePolicy? FairShare { get; init; }

    /// <summary>Whether the planner sees run times predicted by a <see cref="Lepton.Core.Prediction.RuntimePredictor"/> that
    /// learns online from the jobs finished so far (as the server's ETA does) instead of declared or true ones; EASY's
    /// reservations then rest on the predictions.</summary>
    public bool LearnRuntimes { get; init; }
}
