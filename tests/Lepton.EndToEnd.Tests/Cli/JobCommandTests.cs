using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lepton.Client;
using Lepton.Client.Contracts;
using Lepton.Client.Insights;

namespace Lepton.EndToEnd.Tests.Cli;

/// <summary><c>lepton job …</c> against <c>lepton up</c> with two agents.</summary>
[Collection(LocalClusterCollection.Name)]
public sealed partial class JobCommandTests(LocalClusterFixture cluster)
{
    [Fact]
    public async Task Submit_HelloExample_RunsToSucceededAndEveryReadCommandShowsIt()
    {
        var cli = cluster.Cli();

        var submitted = await cli.RunAsync("job", "submit", "-f", RepoPaths.JobExample("hello.yaml"));
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        var id = SubmittedId(submitted);
        var done = await cluster.WaitForJobAsync(id, JobState.Succeeded, JobState.Failed);
        Assert.Equal(JobState.Succeeded, done.State);

        var logs = await cli.RunAsync("job", "logs", Id(id));
        Assert.True(logs.ExitCode == 0, logs.ToString());
        Assert.Contains($"job {id}", logs.Stdout, StringComparison.Ordinal);
        Assert.Contains("done", logs.Stdout, StringComparison.Ordinal);

        var get = await cli.RunAsync("job", "get", Id(id));
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Contains("Succeeded", get.Stdout, StringComparison.Ordinal);
        Assert.Contains(done.Tasks[0].Node!, get.Stdout, StringComparison.Ordinal);

        var list = await cli.RunAsync("job", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches(new Regex($@"(?m)^\s*{id}\s+hello\s+\S+\s+Succeeded\s"), list.Stdout);

        var json = await cli.RunAsync("job", "list", "--state", "succeeded", "--json");
        var jobs = JsonSerializer.Deserialize<List<JobView>>(json.Stdout, LeptonJson.Options)!;
        Assert.Contains(jobs, j => j.Id == id);
        Assert.All(jobs, j => Assert.Equal(JobState.Succeeded, j.State));

        var one = JsonSerializer.Deserialize<JobView>((await cli.RunAsync("job", "get", Id(id), "--json")).Stdout, LeptonJson.Options)!;
        Assert.Equal("hello", one.Name);
    }

    [Fact]
    public async Task Logs_Follow_PrintsOutputAsItComesAndEndsWithTheJob()
    {
        var cli = cluster.Cli();
        const string spec = """
            name: ticker
            resources: {cpu: 100m, memory: 32Mi}
            command: "for i in 1 2 3; do echo tick $i; sleep 1; done"
            """;
        var id = SubmittedId(await cli.RunWithInputAsync(spec, "job", "submit", "-f", "-"));

        var follow = await cli.RunAsync("job", "logs", Id(id), "-f");

        Assert.True(follow.ExitCode == 0, follow.ToString());
        Assert.Contains("tick 1", follow.Stdout, StringComparison.Ordinal);
        Assert.Contains("tick 3", follow.Stdout, StringComparison.Ordinal);
        var job = await cluster.WaitForJobAsync(id, JobState.Succeeded, JobState.Failed);
        Assert.Equal(JobState.Succeeded, job.State);
    }

    [Fact]
    public async Task Cancel_RunningJob_EndsCancelled()
    {
        var cli = cluster.Cli();
        var id = SubmittedId(await cli.RunWithInputAsync(
            "name: sleeper\nresources: {cpu: 100m, memory: 32Mi}\ncommand: [sleep, \"300\"]\n", "job", "submit", "-f", "-"));
        await cluster.WaitForJobAsync(id, JobState.Running);

        var cancel = await cli.RunAsync("job", "cancel", Id(id));

        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Contains("Cancelled", cancel.Stdout, StringComparison.Ordinal);
        Assert.Equal(JobState.Cancelled, (await cluster.WaitForJobAsync(id, JobState.Cancelled)).State);
    }

    [Fact]
    public async Task Explain_JobNoNodeCanHold_NamesConstraintsNodesAndQueuePlace()
    {
        var cli = cluster.Cli();
        var id = SubmittedId(await cli.RunAsync("job", "submit", "-f", RepoPaths.JobExample("too-big.yaml")));
        await cluster.WaitForJobAsync(id, JobState.Pending);

        var text = await cli.RunAsync("job", "explain", Id(id));
        var json = await cli.RunAsync("job", "explain", Id(id), "--json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("Queue:", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("H100", text.Stdout, StringComparison.Ordinal);
        var explanation = JsonSerializer.Deserialize<JobExplanation>(json.Stdout, LeptonJson.Options)!;
        Assert.Equal(id, explanation.JobId);
        Assert.Equal(JobState.Pending, explanation.State);
        Assert.NotNull(explanation.QueuePosition);
        Assert.Contains(explanation.Constraints, c => c.NodesRuledOut == c.NodesConsidered && c.NodesConsidered >= 2);
        Assert.NotEmpty(explanation.WouldRunIf);
        await cli.RunAsync("job", "cancel", Id(id));
    }

    [Fact]
    public async Task Explain_JobBlockedByRunningWork_SaysWhatMustFreeUpAndWhoHoldsIt()
    {
        var cli = cluster.Cli();
        var holder = SubmittedId(await cli.RunWithInputAsync(
            "name: holder\npriority: 3\npreemptible: true\nresources: {cpu: 100m, memory: 32Mi, gpuFraction: 0.5, gpuModels: [A100]}\ncommand: [sleep, \"120\"]\n",
            "job", "submit", "-f", "-"));
        await cluster.WaitForJobAsync(holder, JobState.Running);
        var waiter = SubmittedId(await cli.RunWithInputAsync(
            "name: waiter\npriority: 2\nresources: {cpu: 100m, memory: 32Mi, gpu: 4, gpuModels: [A100]}\ncommand: [sleep, \"1\"]\n",
            "job", "submit", "-f", "-"));
        await cluster.WaitForJobAsync(waiter, JobState.Pending);

        var json = await cli.RunAsync("job", "explain", Id(waiter), "--json");
        var text = await cli.RunAsync("job", "explain", Id(waiter));

        var explanation = JsonSerializer.Deserialize<JobExplanation>(json.Stdout, LeptonJson.Options)!;
        Assert.Contains(explanation.WouldRunIf, w => w.StartsWith("fits if 1 GPU of model A100 frees up on one node", StringComparison.Ordinal));
        var blocker = Assert.Single(explanation.Blockers);
        Assert.Equal((holder, 3, true), (blocker.JobId, blocker.Priority, blocker.Preemptible));
        Assert.Contains(explanation.Constraints, c => c.Constraint == "gpu" && c.NodesRuledOut == c.NodesConsidered);
        Assert.Contains("holder", text.Stdout, StringComparison.Ordinal);
        await cli.RunAsync("job", "cancel", Id(waiter));
        await cli.RunAsync("job", "cancel", Id(holder));
        await cluster.WaitForJobAsync(holder, JobState.Cancelled);
    }

    [Fact]
    public async Task Submit_BadSpec_OneLineErrorNamingFileLineAndField()
    {
        var file = Path.Combine(cluster.Root, "bad.yaml");
        await File.WriteAllTextAsync(file, "name: bad\nresources:\n  memory: 16GB\ncommand: [true]\n");

        var result = await cluster.Cli().RunAsync("job", "submit", "-f", file);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: {file}:3: resources.memory: invalid memory quantity '16GB'", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Submit_ServerRejectsField_OneLineErrorFromProblemDetails()
    {
        var longName = new string('x', 300);
        var result = await cluster.Cli().RunWithInputAsync($"name: {longName}\nresources: {{cpu: 1}}\ncommand: [true]\n", "job", "submit", "-f", "-");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("name", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(1, "get", "987654321")]
    [InlineData(1, "cancel", "987654321")]
    [InlineData(1, "explain", "987654321")]
    [InlineData(2, "get", "not-a-number")]
    [InlineData(2, "list", "--state", "Sleeping")]
    [InlineData(2, "submit")]
    public async Task Job_BadInput_OneLineErrorAndExitCode(int exitCode, params string[] arguments)
    {
        var result = await cluster.Cli().RunAsync(["job", .. arguments]);

        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_SameIdempotencyKeyTwice_OneJob()
    {
        var cli = cluster.Cli();
        var key = Guid.NewGuid().ToString("N");

        var first = SubmittedId(await cli.RunAsync("job", "submit", "-f", RepoPaths.JobExample("hello.yaml"), "--idempotency-key", key));
        var second = SubmittedId(await cli.RunAsync("job", "submit", "-f", RepoPaths.JobExample("hello.yaml"), "--idempotency-key", key));
        var other = await cli.RunAsync("job", "submit", "-f", RepoPaths.JobExample("too-big.yaml"), "--idempotency-key", key);

        Assert.Equal(first, second);
        Assert.Equal(1, other.ExitCode);
        Assert.Contains("Idempotency-Key", other.Stderr, StringComparison.Ordinal);
        await cluster.WaitForJobAsync(first, JobState.Succeeded, JobState.Failed);
    }

    [Fact]
    public async Task List_Limit_ShowsTheNewestPageAndSaysThereIsMore()
    {
        var cli = cluster.Cli();
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(SubmittedId(await cli.RunAsync("job", "submit", "-f", RepoPaths.JobExample("too-big.yaml"))));
        }

        var listed = await cli.RunAsync("job", "list", "--limit", "2", "--json");
        var page = await cli.RunAsync("job", "list", "--limit", "2");
        var bad = await cli.RunAsync("job", "list", "--limit", "0");

        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Equal(ids.Skip(1).Reverse(), JsonSerializer.Deserialize<List<JobView>>(listed.Stdout, LeptonJson.Options)!.Select(j => j.Id));
        Assert.True(page.ExitCode == 0, page.ToString());
        Assert.Contains("showing the newest 2 of", page.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, bad.ExitCode);
        using var admin = cluster.AdminClient();
        foreach (var id in ids)
        {
            await admin.CancelJobAsync(id);
        }
    }

    internal static long SubmittedId(CliResult submitted)
    {
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        var match = SubmittedLine().Match(submitted.Stdout);
        Assert.True(match.Success, submitted.ToString());
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    internal static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"job (\d+) submitted")]
    private static partial Regex SubmittedLine();
}
