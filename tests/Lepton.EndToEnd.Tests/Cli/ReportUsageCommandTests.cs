using System.Text.Json;
using Lepton.Client;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Cli;

/// <summary><c>lepton report usage</c> against <c>lepton up</c> with two agents (whose default shapes carry prices and watts).</summary>
[Collection(LocalClusterCollection.Name)]
public sealed class ReportUsageCommandTests(LocalClusterFixture cluster)
{
    [Fact]
    public async Task ReportUsage_JobWithValueRan_AccountedWithEnergyCostAndProfitInJsonAndCsv()
    {
        var cli = cluster.Cli();
        const string Spec = """
            name: valued
            value: 100
            resources: {cpu: 1, memory: 64Mi}
            command: ["sh", "-c", "sleep 8"]
            """;
        var id = JobCommandTests.SubmittedId(await cli.RunWithInputAsync(Spec, "job", "submit", "-f", "-"));
        await cluster.WaitForJobAsync(id, JobState.Succeeded);

        // Accounting runs every few seconds; the last interval of the job is written by the next run.
        UsageLine? line = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var json = await cli.RunAsync("report", "usage", "--from", "1h", "--json");
            Assert.True(json.ExitCode == 0, json.ToString());
            line = JsonSerializer.Deserialize<UsageReport>(json.Stdout, LeptonJson.Options)!.Jobs.SingleOrDefault(j => j.JobId == id);
            if (line is { EnergyKWh: > 0, Cost: > 0 })
            {
                break;
            }

            await Task.Delay(1000);
        }

        Assert.NotNull(line);
        Assert.True(line.EnergyKWh > 0 && line.Cost > 0 && line.CpuHours > 0, line.ToString());
        Assert.Equal(100, line.Value);
        Assert.Equal(100 - line.Cost, line.Profit!.Value, 9);

        var csv = await cluster.AdminCli().RunAsync("report", "usage", "--csv");
        Assert.True(csv.ExitCode == 0, csv.ToString());
        Assert.Contains($",{id},valued,", csv.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("kind,tenant,job_id,job,", csv.Stdout, StringComparison.Ordinal);
        var table = await cluster.AdminCli().RunAsync("report", "usage");
        Assert.Contains("COST/PROFIT", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("IDLE kWh", table.Stdout, StringComparison.Ordinal);

        var nodes = await cluster.AdminCli().RunAsync("node", "list");
        Assert.Contains(" W est.", nodes.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportUsage_BadPeriod_UsageErrorNamingTheOption()
    {
        var run = await cluster.Cli().RunAsync("report", "usage", "--from", "last tuesday");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--from 'last tuesday'", run.Stderr, StringComparison.Ordinal);
    }
}
