using System.Diagnostics;
using System.Text;

namespace Lepton.EndToEnd.Tests.Cli;

/// <summary>Runs the real <c>lepton</c> program (the built <c>lepton.dll</c> next to the tests) as a child process.</summary>
public static class LeptonProcess
{
    /// <summary>Path of <c>lepton.dll</c> (copied into the test output by the project reference).</summary>
    public static string Program { get; } = Path.Combine(AppContext.BaseDirectory, "lepton.dll");

    /// <summary>Starts <c>dotnet lepton.dll ARGS</c> in <paramref name="workingDirectory"/>, streaming each output line to <paramref name="onLine"/>.</summary>
    public static Process Start(IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment, Action<string> onLine)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Program);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Never read the developer's own login or a stray token.
        info.Environment.Remove("LEPTON_SERVER");
        info.Environment.Remove("LEPTON_TOKEN");
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}

/// <summary>What one CLI run printed and returned.</summary>
/// <param name="ExitCode">Process exit code.</param>
/// <param name="Stdout">Standard output.</param>
/// <param name="Stderr">Standard error.</param>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <inheritdoc/>
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs CLI commands to completion against a server, with an isolated config file.</summary>
/// <param name="workingDirectory">Where commands run (relative paths resolve here).</param>
/// <param name="environment">Extra environment, e.g. LEPTON_SERVER / LEPTON_TOKEN / LEPTON_CONFIG.</param>
public sealed class CliRunner(string workingDirectory, IReadOnlyDictionary<string, string?> environment)
{
    /// <summary>Runs <c>lepton ARGS</c> and waits for it (at most two minutes).</summary>
    public async Task<CliResult> RunAsync(params string[] arguments) => await RunWithInputAsync(null, arguments);

    /// <summary>Runs <c>lepton ARGS</c> with <paramref name="stdin"/> on its standard input.</summary>
    public async Task<CliResult> RunWithInputAsync(string? stdin, params string[] arguments)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(LeptonProcess.Program);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("LEPTON_SERVER");
        info.Environment.Remove("LEPTON_TOKEN");
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info)!;
        var readOut = process.StandardOutput.ReadToEndAsync();
        var readErr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lepton {string.Join(' ', arguments)} did not finish in 2 minutes");
        }

        stdout.Append(await readOut);
        stderr.Append(await readErr);
        return new CliResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
