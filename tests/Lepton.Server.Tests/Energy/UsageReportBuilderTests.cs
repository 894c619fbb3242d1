using Lepton.Server.Energy;

namespace Lepton.Server.Tests.Energy;

public sealed class UsageReportBuilderTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    private static UsageRow Row(long job, string tenant, double cost, double joules = 3_600_000, double gpuSeconds = 3600, string model = "A100",
        long bucket = 0, string node = "n1") =>
        new(bucket, node, job, tenant, $"job{job}", model, 3600, gpuSeconds, 7200, joules, 0, cost);

    [Fact]
    public void Build_DesignNotesExample_CostsAddUpTo160()
    {
        // The design notes' worked example: three jobs cost 100, 50 and 10; the notes say 150, the sum is 160.
        var rows = new[] { Row(1, "team-a", 100), Row(2, "team-a", 50), Row(3, "team-a", 10) };
        double?[] values = [null, 300, 100, 20];

        var report = UsageReportBuilder.Build(rows, id => values[id], From, From.AddDays(1), includeNodes: false);

        var tenant = Assert.Single(report.Tenants);
        Assert.Equal(160, tenant.Cost);
        Assert.Equal(420, tenant.Value);
        Assert.Equal(260, tenant.Profit);
        Assert.Equal(160.0 / 260, tenant.CostProfitRatio!.Value, 12);
        Assert.Equal(160, report.Total.Cost);
        Assert.Equal([100.0, 50, 10], report.Jobs.Select(j => j.Cost));
        Assert.Equal([200.0, 50, 10], report.Jobs.Select(j => j.Profit!.Value));
    }

    [Fact]
    public void Build_RowsAcrossBucketsNodesAndTenants_SumsPerJobTenantAndTotal()
    {
        var rows = new[]
        {
            Row(1, "a", 1, bucket: 0), Row(1, "a", 2, bucket: 60, node: "n2", model: "V100"), Row(2, "b", 4, joules: 7_200_000),
            Row(0, "", 20, joules: 36_000_000),
        };

        var report = UsageReportBuilder.Build(rows, _ => null, From, From.AddDays(1), includeNodes: true);

        var job1 = Assert.Single(report.Jobs, j => j.JobId == 1);
        Assert.Equal(3, job1.Cost);
        Assert.Equal(new Dictionary<string, double> { ["A100"] = 1, ["V100"] = 1 }, job1.GpuHoursByModel);
        Assert.Equal(2, job1.GpuHours);
        Assert.Equal(4, job1.CpuHours);
        Assert.Equal(2, job1.EnergyKWh, 12);
        Assert.Equal(["a", "b"], report.Tenants.Select(t => t.Tenant));
        Assert.Equal(7, report.Total.Cost);
        Assert.Equal(4, report.Total.EnergyKWh, 12);
        Assert.Null(report.Total.Value);
        Assert.Null(report.Total.Profit);
        var n1 = Assert.Single(report.Nodes, n => n.Node == "n1");
        Assert.Equal(10, n1.EnergyKWh, 12);
        Assert.Equal(10 - 1 - 2, n1.IdleEnergyKWh, 12);
        Assert.Equal(20, n1.Cost);
    }

    [Fact]
    public void Build_LossMakingJob_ProfitNegativeAndNoRatio()
    {
        var report = UsageReportBuilder.Build([Row(1, "a", 100)], _ => 40, From, From.AddDays(1), includeNodes: false);

        Assert.Equal(-60, report.Jobs[0].Profit);
        Assert.Null(report.Jobs[0].CostProfitRatio);
    }
}
