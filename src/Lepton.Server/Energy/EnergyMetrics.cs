using System.Diagnostics.Metrics;
using Lepton.Server.Model;

namespace Lepton.Server.Energy;

/// <summary>The energy series of <c>/metrics</c>: <c>lepton_node_power_watts{node,source}</c>,
/// <c>lepton_energy_joules_total{tenant}</c>, <c>lepton_cost_total{tenant}</c> and <c>lepton_node_energy_joules_total{node}</c>.</summary>
/// <remarks>The counters count from the server's start (Prometheus handles the reset at a restart); the durable figures are
/// in <c>GET /api/v1/usage</c>.</remarks>
internal static class EnergyMetrics
{
    /// <summary>Creates the instruments on the server's <paramref name="meter"/>.</summary>
    public static void Create(Meter meter, ControlPlane plane, EnergyLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.CreateObservableGauge("lepton_node_power_watts", () => Read(plane, () => ledger.Power.Select(p =>
            new Measurement<double>(p.Value.Watts, new("node", p.Key), new("source", p.Value.Measured ? "measured" : "estimated")))),
            unit: null, "Power of each live node now, in watts: measured by its agent (RAPL, nvidia-smi) or estimated from its allocation.");
        meter.CreateObservableCounter("lepton_energy_joules", () => Read(plane, () => ledger.TenantJoules.Select(t =>
            new Measurement<double>(t.Value, new KeyValuePair<string, object?>("tenant", t.Key)))),
            unit: null, "Energy attributed to each tenant's running tasks since the server started, in joules.");
        meter.CreateObservableCounter("lepton_cost", () => Read(plane, () => ledger.TenantCost.Select(t =>
            new Measurement<double>(t.Value, new KeyValuePair<string, object?>("tenant", t.Key)))),
            unit: null, "Cost attributed to each tenant's running tasks since the server started (node or GPU-model prices).");
        meter.CreateObservableCounter("lepton_node_energy_joules", () => Read(plane, () => ledger.NodeJoules.Select(n =>
            new Measurement<double>(n.Value, new KeyValuePair<string, object?>("node", n.Key)))),
            unit: null, "Energy each node drew since the server started, in joules (idle and allocated).");
    }

    private static Measurement<double>[] Read(ControlPlane plane, Func<IEnumerable<Measurement<double>>> read)
    {
        lock (plane.Gate)
        {
            return [.. read()];
        }
    }
}
