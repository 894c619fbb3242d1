namespace Lepton.Server.Energy;

/// <summary>What one job (or, with job id 0, the whole node) used on one node during one accounting bucket; one row of the
/// store's <c>usage</c> table. Rows with the same key add up.</summary>
/// <param name="Bucket">Start of the bucket, Unix seconds (a multiple of <see cref="EnergyLedger.BucketSeconds"/>).</param>
/// <param name="Node">Node name.</param>
/// <param name="JobId">Job id, or 0 for the node's own row (all its energy and its whole price, allocated or not).</param>
/// <param name="Tenant">The job's tenant ("" on a node row).</param>
/// <param name="JobName">The job's name ("" on a node row).</param>
/// <param name="GpuModel">The node's GPU model ("" for a CPU-only node).</param>
/// <param name="Seconds">Task-seconds run (node row: seconds the node was up).</param>
/// <param name="GpuSeconds">GPU-seconds held (whole-GPU equivalents × seconds).</param>
/// <param name="CpuSeconds">Core-seconds held.</param>
/// <param name="EnergyJoules">Energy attributed, joules.</param>
/// <param name="MeasuredEnergyJoules">The part of <paramref name="EnergyJoules"/> that comes from measured power.</param>
/// <param name="Cost">Cost, in the currency of node and GPU prices.</param>
internal sealed record UsageRow(long Bucket, string Node, long JobId, string Tenant, string JobName, string GpuModel, double Seconds,
    double GpuSeconds, double CpuSeconds, double EnergyJoules, double MeasuredEnergyJoules, double Cost)
{
    /// <summary>The row's key: rows with equal keys are summed.</summary>
    public (long Bucket, string Node, long JobId) Key => (Bucket, Node, JobId);

    /// <summary>This row plus <paramref name="other"/> (same key).</summary>
    public UsageRow Plus(UsageRow other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with
        {
            Seconds = Seconds + other.Seconds,
            GpuSeconds = GpuSeconds + other.GpuSeconds,
            CpuSeconds = CpuSeconds + other.CpuSeconds,
            EnergyJoules = EnergyJoules + other.EnergyJoules,
            MeasuredEnergyJoules = MeasuredEnergyJoules + other.MeasuredEnergyJoules,
            Cost = Cost + other.Cost,
        };
    }
}
