using System.Text.Json;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Reports;

/// <summary>Writes a job-trace simulation as JSON: the headline metrics, every job and the utilisation timeline.</summary>
/// <remarks>Times are in hours; percentages are of the cluster's capacity; a resource the cluster lacks is <c>null</c>.</remarks>
public static class JobsJsonReport
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The JSON document for <paramref name="result"/>.</summary>
    public static string Render(JobSimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var u = result.Utilisation;
        var document = new
        {
            policy = result.Policy,
            order = JobOrderNames.Format(result.Order),
            jobs = result.Jobs.Count,
            completed = result.Completed,
            makespanHours = result.Makespan.TotalHours,
            averageCompletionHours = result.AverageCompletionTime.TotalHours,
            p99CompletionHours = result.P99CompletionTime.TotalHours,
            averageQueueingDelayHours = result.AverageQueueingDelay.TotalHours,
            utilisationPct = Resources(u.CpuPct, u.MemoryPct, u.GpuPct, u.FpgaPct, u.NetworkPct),
            clusterCost = result.ClusterCost,
            jobCost = result.JobCost,
            energyKWh = result.EnergyKWh,
            perJob = result.Jobs.Select(j => new
            {
                name = j.Name,
                arrivalHours = j.Arrival.TotalHours,
                startHours = j.Start?.TotalHours,
                finishHours = j.Finish?.TotalHours,
                completionHours = j.CompletionTime?.TotalHours,
                queueingDelayHours = j.QueueingDelay?.TotalHours,
                nodes = j.Nodes,
                cost = j.Cost,
                pendingReason = j.PendingReason,
            }),
            timeline = result.Timeline.Select(s => new
            {
                hours = s.Time.TotalHours,
                utilisationPct = Resources(s.CpuPct, s.MemoryPct, s.GpuPct, s.FpgaPct, s.NetworkPct),
                running = s.Running,
                queued = s.Queued,
                powerWatts = s.PowerWatts,
            }),
        };
        return JsonSerializer.Serialize(document, Options);
    }

    private static Dictionary<string, double?> Resources(double cpu, double memory, double gpu, double fpga, double network) => new()
    {
        ["cpu"] = Finite(cpu),
        ["memory"] = Finite(memory),
        ["gpu"] = Finite(gpu),
        ["fpga"] = Finite(fpga),
        ["network"] = Finite(network),
    };

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
