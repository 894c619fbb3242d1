using Lepton.Agent.Hardware;
using Lepton.Client.Contracts;

namespace Lepton.Agent.Tests.Loop;

/// <summary>The agent joins with the join token, then speaks for its node only with the credential the server issued,
/// keeps it in its work directory (0600) across restarts, and joins afresh when the server stops accepting it.</summary>
public sealed class NodeCredentialTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lepton-agent-cred-" + Guid.NewGuid().ToString("N"));

    private string CredentialPath => Path.Combine(_directory, "node-token");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private async Task RunAgentAsync(FakeControlPlane server, Func<Task> whileRunning)
    {
        using var stop = new CancellationTokenSource();
        using var agent = new NodeAgent(new AgentOptions
        {
            Server = server.Url,
            Token = "join-token",
            Name = "node-a",
            WorkDirectory = _directory,
            Declared = DeclaredResources.Parse("cpu=2,memory=4Gi"),
            DetectGpus = false,
            StopGrace = TimeSpan.FromSeconds(2),
            LogFlushInterval = TimeSpan.FromMilliseconds(100),
        }, _ => { });
        var run = agent.RunAsync(stop.Token);
        try
        {
            await whileRunning();
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task RunAsync_JoinTokenRegisters_NodeCredentialUsedForEverythingElse_AndKeptAcrossRestart()
    {
        await using var server = new FakeControlPlane { NodeToken = "node-secret-1" };
        await RunAgentAsync(server, async () =>
        {
            await server.WaitUntilAsync(() => server.Calls.Count(c => c.Endpoint == "heartbeat") >= 2, "heartbeats arrive");
            server.Assign(new TaskAssignment
            {
                TaskId = 5, Attempt = 0, JobId = 1, Replica = 0, Replicas = 1, Command = ["sh", "-c", "echo hi"], Peers = ["127.0.0.1"],
            });
            await server.WaitUntilAsync(() => server.Reports.Any(r => r.Report.Status == "Exited"), "the task's exit is reported");
        });

        var calls = server.Calls.ToList();
        Assert.Equal(("register", "join-token"), calls[0]);
        Assert.All(calls.Skip(1), c => Assert.Equal("node-secret-1", c.Token));
        Assert.Contains(calls, c => c.Endpoint == "logs");
        Assert.Contains(calls, c => c.Endpoint == "status");
        Assert.Equal("node-secret-1", (await File.ReadAllTextAsync(CredentialPath)).Trim());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CredentialPath));
        }

        // A restarted agent in the same folder registers again with the node's credential, not the join token.
        server.Calls.Clear();
        await RunAgentAsync(server, () => server.WaitUntilAsync(() => server.Calls.Any(c => c.Endpoint == "heartbeat"), "a heartbeat arrives"));
        Assert.Equal(("register", "node-secret-1"), server.Calls.First());
        Assert.DoesNotContain(server.Calls, c => c.Token == "join-token");
    }

    [Fact]
    public async Task RunAsync_CredentialRevoked_JoinsAfreshAndKeepsTheNewOne()
    {
        await using var server = new FakeControlPlane { NodeToken = "node-secret-1" };
        await RunAgentAsync(server, async () =>
        {
            await server.WaitUntilAsync(() => server.Calls.Any(c => c.Endpoint == "heartbeat"), "a heartbeat arrives");
            server.NodeToken = "node-secret-2";
            server.Revoked["node-secret-1"] = true;
            await server.WaitUntilAsync(() => server.Calls.Any(c => c is { Endpoint: "heartbeat", Token: "node-secret-2" }), "heartbeats use the new credential");
        });

        Assert.Equal("node-secret-2", (await File.ReadAllTextAsync(CredentialPath)).Trim());
    }
}
