using Lepton.Simulation.Experiments;

namespace Lepton.Simulation.Reports;

/// <summary>Everything an openb HTML report shows.</summary>
/// <param name="Cluster">The nodes the runs used.</param>
/// <param name="Runs">Every run.</param>
/// <param name="Summary">One row per (trace, policy).</param>
/// <param name="Published">The published results, possibly empty.</param>
/// <param name="Tune">The tune ratio of the runs.</param>
/// <param name="Elapsed">Wall time of the sweep.</param>
public sealed record OpenbReportInput(
    OpenbCluster Cluster,
    IReadOnlyList<OpenbRunResult> Runs,
    IReadOnlyList<OpenbSummaryRow> Summary,
    PublishedOpenbResults Published,
    double Tune,
    TimeSpan Elapsed);
