using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

/// <summary>The data directory: owner-only permissions, a recoverable admin token, and one clear line when it is unusable.</summary>
public sealed class DataDirTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lepton-datadir-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
        else if (File.Exists(_dir))
        {
            File.Delete(_dir);
        }
    }

    [Fact]
    public async Task Start_NewDataDir_DirectoryIsOwnerOnlyAndDatabaseLogsAndTokenAre0600()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix permissions only.
        }

        await using var server = await TestServer.StartAsync(_dir);
        var agent = await server.AgentAsync();
        var n1 = await server.RegisterAsync(agent, "n1");
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job());
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        var task = Assert.Single((await TestServer.GetAsync(team, job.Id)).Tasks);
        var upload = await n1.PostAsJsonAsync($"/api/v1/agent/nodes/n1/tasks/{task.Id}/logs",
            new LogChunk { Attempt = task.Attempt, Stream = "stdout", Text = "secret\n" }, LeptonJsonContext.Default.LogChunk);
        Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);

        const UnixFileMode OwnerRw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode OwnerRwx = OwnerRw | UnixFileMode.UserExecute;
        Assert.Equal(OwnerRwx, File.GetUnixFileMode(_dir));
        Assert.Equal(OwnerRwx, File.GetUnixFileMode(Path.Combine(_dir, "logs")));
        foreach (var file in new[] { "lepton.db", "lepton.db-wal", "lepton.db-shm", "admin-token", $"logs/job-{job.Id}.log" })
        {
            var path = Path.Combine(_dir, file);
            Assert.True(File.Exists(path), $"{file} should exist");
            Assert.True(File.GetUnixFileMode(path) == OwnerRw, $"{file} is {File.GetUnixFileMode(path)}, expected owner read/write only");
        }
    }

    [Fact]
    public async Task Start_ExistingDataDirWithOpenPermissions_TightensThem()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix permissions only.
        }

        await using (await TestServer.StartAsync(_dir))
        {
        }

        const UnixFileMode Open = (UnixFileMode)0b111_101_101;
        File.SetUnixFileMode(_dir, Open);
        File.SetUnixFileMode(Path.Combine(_dir, "lepton.db"), (UnixFileMode)0b110_100_100);
        await using (await TestServer.StartAsync(_dir))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "lepton.db")));
        }
    }

    [Fact]
    public async Task ResetAdminToken_FileLost_NewTokenWorksAndIsSaved()
    {
        string first;
        await using (var server = await TestServer.StartAsync(_dir))
        {
            first = server.AdminToken;
        }

        File.Delete(Path.Combine(_dir, LeptonServer.AdminTokenFile));
        await using (var server = await TestServer.StartAsync(_dir, configure: o => o with { ResetAdminToken = true }))
        {
            Assert.NotEqual(first, server.AdminToken);
            Assert.Equal(HttpStatusCode.OK, (await server.Admin.GetAsync("/api/v1/tenants")).StatusCode);
        }

        // A plain restart keeps the token it has.
        var saved = File.ReadAllText(Path.Combine(_dir, LeptonServer.AdminTokenFile)).Trim();
        await using (var server = await TestServer.StartAsync(_dir))
        {
            Assert.Equal(saved, server.AdminToken);
            Assert.Equal(HttpStatusCode.OK, (await server.Admin.GetAsync("/api/v1/tenants")).StatusCode);
        }
    }

    [Fact]
    public void BuildApp_DataDirIsAFile_ServerStartExceptionWithOneLine()
    {
        File.WriteAllText(_dir, "not a directory");
        var e = Assert.Throws<ServerStartException>(() => LeptonServer.BuildApp(new LeptonServerOptions { DataDir = _dir, Urls = "http://127.0.0.1:0" }));
        Assert.Contains(_dir, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task Serve_CorruptDatabase_OneErrorLineAndNonZeroExit()
    {
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(Path.Combine(_dir, "lepton.db"), new string('x', 8192));
        var (exit, stdout, stderr) = await ServeUntilExitAsync(_dir);
        Assert.NotEqual(0, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error: cannot use the data directory", StringComparison.Ordinal),
            $"stderr: {stderr}\nstdout: {stdout}");
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>lepton serve</c> on <paramref name="dir"/> and waits (at most 60 s) for it to exit by itself.</summary>
    internal static async Task<(int Exit, string Stdout, string Stderr)> ServeUntilExitAsync(string dir)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "lepton.dll"), "serve", "--data-dir", dir, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("lepton serve kept running on an unusable data directory");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
