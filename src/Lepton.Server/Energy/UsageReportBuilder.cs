using Lepton.Client.Contracts;

namespace Lepton.Server.Energy;

/// <summary>Sums <see cref="UsageRow"/>s into a <see cref="UsageReport"/>: per job, per tenant, per node, and a total.</summary>
/// <remarks>A job's value (declared in its spec) counts once per report that holds any of its usage; profit and the
/// cost/profit ratio are taken over the jobs that declared a value only, so a tenant's undeclared work does not turn its
/// profit negative.</remarks>
internal static class UsageReportBuilder
{
    private const double JoulesPerKWh = 3_600_000;

    /// <summary>Builds the report for [<paramref name="from"/>, <paramref name="to"/>).</summary>
    /// <param name="rows">Usage rows in the period.</param>
    /// <param name="valueOf">A job's declared value by id (null when none).</param>
    /// <param name="from">Start of the period.</param>
    /// <param name="to">End of the period.</param>
    /// <param name="includeNodes">Whether to add the per-node lines (admins).</param>
    public static UsageReport Build(IEnumerable<UsageRow> rows, Func<long, double?> valueOf, DateTimeOffset from, DateTimeOffset to, bool includeNodes)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(valueOf);
        var jobs = new SortedDictionary<long, Sum>();
        var nodes = new SortedDictionary<string, NodeSum>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.JobId == 0)
            {
                if (!nodes.TryGetValue(row.Node, out var node))
                {
                    nodes[row.Node] = node = new NodeSum(row.GpuModel);
                }

                node.Seconds += row.Seconds;
                node.Joules += row.EnergyJoules;
                node.MeasuredJoules += row.MeasuredEnergyJoules;
                node.Cost += row.Cost;
                continue;
            }

            if (!jobs.TryGetValue(row.JobId, out var sum))
            {
                jobs[row.JobId] = sum = new Sum(row.Tenant, row.JobName);
            }

            sum.Add(row);
            if (nodes.TryGetValue(row.Node, out var attributed))
            {
                attributed.AttributedJoules += row.EnergyJoules;
            }
            else
            {
                nodes[row.Node] = new NodeSum(row.GpuModel) { AttributedJoules = row.EnergyJoules };
            }
        }

        var tenants = new SortedDictionary<string, Sum>(StringComparer.Ordinal);
        var jobLines = new List<UsageLine>(jobs.Count);
        foreach (var (id, sum) in jobs)
        {
            sum.Value = valueOf(id);
            if (sum.Value is not null)
            {
                sum.ValuedCost = sum.Cost;
            }

            jobLines.Add(sum.ToLine(id));
            if (!tenants.TryGetValue(sum.Tenant, out var tenant))
            {
                tenants[sum.Tenant] = tenant = new Sum(sum.Tenant, "");
            }

            tenant.Add(sum);
        }

        var total = new Sum("", "");
        foreach (var tenant in tenants.Values)
        {
            total.Add(tenant);
        }

        return new UsageReport
        {
            From = from,
            To = to,
            Jobs = jobLines,
            Tenants = [.. tenants.Values.Select(t => t.ToLine(0))],
            Total = total.ToLine(0),
            Nodes = includeNodes
                ? [.. nodes.Select(n => new NodeEnergyLine
                {
                    Node = n.Key,
                    GpuModel = n.Value.GpuModel,
                    Hours = n.Value.Seconds / 3600,
                    EnergyKWh = n.Value.Joules / JoulesPerKWh,
                    MeasuredEnergyKWh = n.Value.MeasuredJoules / JoulesPerKWh,
                    Cost = n.Value.Cost,
                    IdleEnergyKWh = Math.Max(0, n.Value.Joules - n.Value.AttributedJoules) / JoulesPerKWh,
                })]
                : [],
        };
    }

    private sealed class NodeSum(string gpuModel)
    {
        public string GpuModel { get; } = gpuModel;
        public double Seconds { get; set; }
        public double Joules { get; set; }
        public double MeasuredJoules { get; set; }
        public double AttributedJoules { get; set; }
        public double Cost { get; set; }
    }

    private sealed class Sum(string tenant, string job)
    {
        public string Tenant { get; } = tenant;
        public string Job { get; } = job;
        public SortedDictionary<string, double> GpuSecondsByModel { get; } = new(StringComparer.Ordinal);
        public double CpuSeconds { get; set; }
        public double Joules { get; set; }
        public double MeasuredJoules { get; set; }
        public double Cost { get; set; }
        public double? Value { get; set; }

        /// <summary>Cost of the jobs that declared a value.</summary>
        public double ValuedCost { get; set; }

        public void Add(UsageRow row)
        {
            if (row.GpuSeconds > 0)
            {
                GpuSecondsByModel[row.GpuModel] = GpuSecondsByModel.GetValueOrDefault(row.GpuModel) + row.GpuSeconds;
            }

            CpuSeconds += row.CpuSeconds;
            Joules += row.EnergyJoules;
            MeasuredJoules += row.MeasuredEnergyJoules;
            Cost += row.Cost;
        }

        public void Add(Sum other)
        {
            foreach (var (model, seconds) in other.GpuSecondsByModel)
            {
                GpuSecondsByModel[model] = GpuSecondsByModel.GetValueOrDefault(model) + seconds;
            }

            CpuSeconds += other.CpuSeconds;
            Joules += other.Joules;
            MeasuredJoules += other.MeasuredJoules;
            Cost += other.Cost;
            if (other.Value is { } value)
            {
                Value = (Value ?? 0) + value;
                ValuedCost += other.ValuedCost;
            }
        }

        public UsageLine ToLine(long jobId)
        {
            var profit = Value is { } value ? value - ValuedCost : (double?)null;
            return new UsageLine
            {
                Tenant = Tenant,
                JobId = jobId,
                Job = Job,
                GpuHoursByModel = GpuSecondsByModel.ToDictionary(g => g.Key, g => g.Value / 3600, StringComparer.Ordinal),
                GpuHours = GpuSecondsByModel.Values.Sum() / 3600,
                CpuHours = CpuSeconds / 3600,
                EnergyKWh = Joules / JoulesPerKWh,
                MeasuredEnergyKWh = MeasuredJoules / JoulesPerKWh,
                Cost = Cost,
                Value = Value,
                Profit = profit,
                CostProfitRatio = profit is > 0 ? ValuedCost / profit : null,
            };
        }
    }
}
