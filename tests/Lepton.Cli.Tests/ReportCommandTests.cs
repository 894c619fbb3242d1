using Lepton.Cli.Commands;
using Lepton.Client.Contracts;

namespace Lepton.Cli.Tests;

public sealed class ReportCommandTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 14, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90m", "2026-11-30T12:30:00+00:00")]
    [InlineData("24h", "2026-11-29T14:00:00+00:00")]
    [InlineData("7d", "2026-11-23T14:00:00+00:00")]
    [InlineData("2026-11-30", "2026-11-30T00:00:00+00:00")]
    [InlineData("2026-11-30T13:15:00Z", "2026-11-30T13:15:00+00:00")]
    public void ParseTime_AbsoluteOrAgo_ResolvesAgainstNow(string text, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), ReportCommand.ParseTime(text, "--from", Now));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("5y")]
    [InlineData("-3h")]
    public void ParseTime_Unreadable_UsageErrorNamingOption(string text)
    {
        var error = Assert.Throws<CliError>(() => ReportCommand.ParseTime(text, "--from", Now));

        Assert.Equal(2, error.ExitCode);
        Assert.StartsWith("--from", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToCsv_TenantsJobsAndTotal_OneRowEachAndHostileNamesDefused()
    {
        var job = new UsageLine
        {
            Tenant = "team-a", JobId = 7, Job = "=cmd|' /C calc'!A0,x", GpuHoursByModel = new Dictionary<string, double> { ["A100"] = 1.5 },
            GpuHours = 1.5, CpuHours = 2, EnergyKWh = 0.25, Cost = 160, Value = 400, Profit = 240, CostProfitRatio = 160.0 / 240,
        };
        var report = new UsageReport { Tenants = [job with { JobId = 0, Job = "" }], Jobs = [job], Total = job with { Tenant = "", JobId = 0, Job = "" } };

        var lines = ReportCommand.ToCsv(report).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(4, lines.Length);
        Assert.StartsWith("kind,tenant,job_id,job,gpu_hours,", lines[0], StringComparison.Ordinal);
        Assert.Equal("tenant,team-a,,,1.5,A100=1.5,2,0.25,0,160,400,240,0.666667", lines[1]);
        Assert.Equal("job,team-a,7,\"'=cmd|' /C calc'!A0,x\",1.5,A100=1.5,2,0.25,0,160,400,240,0.666667", lines[2]);
        Assert.StartsWith("total,,,,", lines[3], StringComparison.Ordinal);
    }
}
