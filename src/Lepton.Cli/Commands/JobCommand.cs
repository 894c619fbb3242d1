using System.CommandLine;
using Lepton.Cli.Connection;
using Lepton.Cli.Output;
using Lepton.Client;
using Lepton.Client.Contracts;
using Lepton.Client.Insights;
using Lepton.Client.Specs;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton job</c>: submit, list, get, logs, cancel and explain jobs.</summary>
internal sealed class JobCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var job = new Command("job", "Submit and inspect jobs: submit, list, get, logs, cancel, explain.");
        job.Subcommands.Add(Submit());
        job.Subcommands.Add(List());
        job.Subcommands.Add(Get());
        job.Subcommands.Add(Logs());
        job.Subcommands.Add(Cancel());
        job.Subcommands.Add(Explain());
        job.Subcommands.Add(Eta());
        return job;
    }

    /// <summary>Rows <c>job list</c> shows when neither <c>--limit</c> nor <c>--all</c> is given.</summary>
    private const int DefaultListRows = 50;

    private static Argument<long> IdArgument() => new("ID") { Description = "Job id (as 'job list' shows it)." };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print the API's JSON instead of a table." };

    private static Command Submit()
    {
        var file = new Option<string>("--file", "-f") { Description = "YAML job spec (see examples/jobs-spec); '-' reads stdin.", Required = true };
        var key = new Option<string>("--idempotency-key") { Description = "Submit at most once per key: running the same command again returns the job the first run created (default: a fresh key per run; transient failures are retried with it)." };
        var json = JsonOption();
        var dryRun = new Option<bool>("--dry-run") { Description = "Do not submit: say when it would start, where, and behind or instead of which jobs (POST /api/v1/jobs/whatif)." };
        var command = new Command("submit", "Submit a job from a YAML spec.") { file, key, json, dryRun };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var path = parse.GetValue(file)!;
            var submission = path == "-"
                ? JobSpecReader.Read(await ReadStdinAsync(cancellationToken), "<stdin>")
                : JobSpecReader.ReadFile(path);
            if (parse.GetValue(dryRun))
            {
                var eta = await client.WhatIfAsync(submission, cancellationToken);
                PrintEta(eta, parse.GetValue(json));
                return 0;
            }

            var created = parse.GetValue(key) is { } k
                ? await client.SubmitJobAsync(submission, k, cancellationToken)
                : await client.SubmitJobAsync(submission, cancellationToken);
            if (parse.GetValue(json))
            {
                Terminal.WriteJson(created);
            }
            else
            {
                Console.WriteLine($"job {created.Id} submitted: {created.Name} ({created.State}); follow it with 'lepton job get {created.Id}' or 'lepton job logs {created.Id} -f'");
            }

            return 0;
        }, cancellationToken, asTeam: true));
        return command;
    }

    /// <summary>Standard input, refused past <see cref="JobSpecReader.MaxSpecBytes"/> (an endless pipe must not be read whole).</summary>
    private static async Task<string> ReadStdinAsync(CancellationToken cancellationToken)
    {
        var buffer = new char[JobSpecReader.MaxSpecBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await Console.In.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return length <= JobSpecReader.MaxSpecBytes
            ? new string(buffer, 0, length)
            : throw new CliError($"<stdin>: a job spec may be at most {JobSpecReader.MaxSpecBytes >> 20} MiB");
    }

    private static Command List()
    {
        var state = new Option<string>("--state") { Description = "Only jobs in this state: Pending, Scheduled, Running, Succeeded, Failed, Cancelled." };
        var limit = new Option<int?>("--limit") { Description = $"Show the newest N jobs (1..{JobPageRequest.MaxLimit}); the table shows the newest {DefaultListRows} by default, --json every job." };
        var all = new Option<bool>("--all") { Description = "Show every job (fetched page by page)." };
        var json = JsonOption();
        var command = new Command("list", "List jobs, newest first: id, name, tenant, state, priority, GPUs, age and why pending.") { state, limit, all, json };
        command.SetAction((parse, cancellationToken) =>
        {
            JobState? filter = null;
            if (parse.GetValue(state) is { } text)
            {
                filter = Enum.TryParse<JobState>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                    ? parsed
                    : throw new CliError($"--state: '{text}' is not one of {string.Join(", ", Enum.GetNames<JobState>())}", 2);
            }

            var rows = parse.GetValue(limit);
            if (rows is < 1 or > JobPageRequest.MaxLimit)
            {
                throw new CliError($"--limit: must be between 1 and {JobPageRequest.MaxLimit}", 2);
            }

            if (rows is not null && parse.GetValue(all))
            {
                throw new CliError("give either --limit N or --all, not both", 2);
            }

            return CliConnection.RunAsync(async (client, connection) =>
            {
                // Pages, not one unbounded list: a cluster with many thousand jobs answers this at once.
                IReadOnlyList<JobView> jobs;
                var more = false;
                if (parse.GetValue(all) || (rows is null && parse.GetValue(json)))
                {
                    // A List: the JSON writer knows List<JobView>, not the compiler's read-only collection type.
                    jobs = (await client.ListJobsAsync(filter, cancellationToken)).OrderByDescending(j => j.Id).ToList();
                }
                else
                {
                    var page = await client.ListJobsPageAsync(new JobPageRequest { Limit = rows ?? DefaultListRows, NewestFirst = true, State = filter }, cancellationToken);
                    jobs = page.Jobs;
                    more = page.NextAfter is not null;
                }

                if (parse.GetValue(json))
                {
                    Terminal.WriteJson(jobs);
                    return 0;
                }

                var console = Terminal.Create();
                if (jobs.Count == 0)
                {
                    // Say whose view this is: an empty list from the wrong server or token must not look like an empty cluster.
                    console.WriteLine(filter is null
                        ? $"No jobs visible ({connection.Describe()}). Submit one with 'lepton job submit -f examples/jobs-spec/hello.yaml'; 'lepton whoami' shows the token's tenant."
                        : $"No {filter} jobs visible ({connection.Describe()}).");
                    return 0;
                }

                var now = DateTimeOffset.UtcNow;
                var table = Terminal.NewTable("ID", "NAME", "TENANT", "STATE", "PRIORITY", "GPUS", "AGE", "REASON");
                table.Columns[7].NoWrap = false;
                foreach (var j in jobs.OrderByDescending(j => j.Id))
                {
                    table.AddRow(
                        new Text(j.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        new Text(j.Name),
                        new Text(j.Tenant),
                        new Markup($"[{HumanText.StateColour(j.State)}]{j.State}[/]"),
                        new Text(j.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        new Text(HumanText.JobGpus(j)),
                        new Text(HumanText.Age(j.CreatedAt, now)),
                        new Text(j.Reason?.Message ?? "")); // whole sentences: the column wraps rather than cuts
                }

                console.Write(table);
                if (more)
                {
                    var summary = await client.GetJobSummaryAsync(cancellationToken);
                    var total = filter switch
                    {
                        null => summary.Total,
                        JobState.Pending => summary.Pending,
                        JobState.Scheduled => summary.Scheduled,
                        JobState.Running => summary.Running,
                        JobState.Succeeded => summary.Succeeded,
                        JobState.Failed => summary.Failed,
                        _ => summary.Cancelled,
                    };
                    await Console.Error.WriteLineAsync($"showing the newest {jobs.Count} of {total} jobs; --limit N or --all shows more");
                }

                return 0;
            }, cancellationToken, asTeam: true);
        });
        return command;
    }

    private static Command Get()
    {
        var id = IdArgument();
        var json = JsonOption();
        var command = new Command("get", "Show one job: state, reason, request, where each replica runs, and its history.") { id, json };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var j = await client.GetJobAsync(parse.GetValue(id), cancellationToken);
            if (parse.GetValue(json))
            {
                Terminal.WriteJson(j);
                return 0;
            }

            var console = Terminal.Create();
            var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
            void Row(string key, IRenderable value) => grid.AddRow(new Markup($"[grey]{key}[/]"), value);
            Row("Job", new Markup($"[bold]{j.Id}[/] {Markup.Escape(j.Name)}"));
            Row("Tenant", new Text(j.Tenant));
            Row("State", new Markup($"[{HumanText.StateColour(j.State)}]{j.State}[/]" + (j.ExitCode is { } code ? $" (exit code {code})" : "")));
            if (j.Reason is { } reason)
            {
                Row("Reason", new Text($"{reason.Message} [{reason.Code}]"));
            }

            Row("Priority", new Text($"{j.Priority}{(j.Preemptible ? ", preemptible" : ", not preemptible")}"));
            Row("Replicas", new Text(j.Replicas > 1 ? $"{j.Replicas} (a gang: placed all or nothing)" : "1"));
            Row("Request", new Text($"{HumanText.Request(j.Resources)} per replica"));
            Row("Command", new Text(string.Join(' ', j.Command.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a))));
            Row("Retries", new Text($"{j.Retries} of {j.MaxRetries}"));
            Row("Submitted", new Text($"{j.CreatedAt.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC ({HumanText.Age(j.CreatedAt, DateTimeOffset.UtcNow)} ago)"));
            console.Write(grid);

            if (j.Tasks.Count > 0)
            {
                console.WriteLine();
                var tasks = Terminal.NewTable("REPLICA", "STATE", "NODE", "GPUS", "ATTEMPT", "EXIT");
                foreach (var t in j.Tasks.OrderBy(t => t.Replica))
                {
                    tasks.AddRow(
                        t.Replica.ToString(System.Globalization.CultureInfo.InvariantCulture), t.State.ToString(), t.Node ?? "-",
                        t.Gpus.Count > 0 ? string.Join(',', t.Gpus) : "-",
                        t.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture), t.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-");
                }

                console.Write(tasks);
            }

            if (j.Events.Count > 0)
            {
                console.WriteLine();
                var events = Terminal.NewTable("TIME", "EVENT", "MESSAGE");
                events.Columns[2].NoWrap = false;
                foreach (var e in j.Events)
                {
                    events.AddRow(new Text($"{e.Time.ToUniversalTime():HH:mm:ss}"), new Text(e.Type), new Text(e.Message));
                }

                console.Write(events);
            }

            return 0;
        }, cancellationToken, asTeam: true));
        return command;
    }

    private static Command Logs()
    {
        var id = IdArgument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new output until the job ends (Ctrl-C stops)." };
        var tail = new Option<int?>("--tail") { Description = "Start with the last N lines instead of the whole output." };
        var json = JsonOption();
        var command = new Command("logs", "Print a job's output (all replicas); a job that failed or printed nothing says why on stderr.") { id, follow, tail, json };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var jobId = parse.GetValue(id);
            var text = parse.GetValue(json) ? new System.Text.StringBuilder() : null;
            var printed = false;
            try
            {
                if (parse.GetValue(tail) is < 0)
                {
                    throw new CliError("--tail must not be negative", 2);
                }

                await foreach (var chunk in client.GetLogsAsync(jobId, parse.GetValue(follow), parse.GetValue(tail), cancellationToken))
                {
                    printed |= chunk.Length > 0;
                    if (text is not null)
                    {
                        text.Append(chunk);
                        continue;
                    }

                    await Console.Out.WriteAsync(chunk);
                    await Console.Out.FlushAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C while following is how a user stops watching: not an error.
                return 0;
            }

            var j = await client.GetJobAsync(jobId, cancellationToken);
            if (text is not null)
            {
                Terminal.WriteJson(new JobLogsView { JobId = j.Id, State = j.State, Reason = j.Reason?.Message, Text = text.ToString() });
                return j.State == JobState.Failed ? 1 : 0;
            }

            // A job that failed (or has not started) may have no output at all; say why instead of printing nothing.
            var note = LogsNote(j, printed);
            if (note is not null)
            {
                await Console.Error.WriteLineAsync(note);
            }

            return j.State == JobState.Failed ? 1 : 0;
        }, cancellationToken, asTeam: true));
        return command;
    }

    /// <summary>The line <c>job logs</c> adds on stderr after the output: why a job failed, or why there is no output yet.</summary>
    internal static string? LogsNote(JobView j, bool printedAnything) => j.State switch
    {
        JobState.Failed => $"job {j.Id} failed{(j.ExitCode is { } code ? $" (exit code {code})" : "")}: {j.Reason?.Message ?? "no reason recorded"}"
            + (printedAnything ? "" : " (it printed nothing)"),
        JobState.Cancelled => $"job {j.Id} was cancelled{(j.Reason is { } r ? $": {r.Message}" : "")}",
        JobState.Pending when !printedAnything => $"job {j.Id} has not started yet: {j.Reason?.Message ?? "queued"}",
        JobState.Scheduled or JobState.Running when !printedAnything => $"job {j.Id} is {j.State} and has printed nothing yet",
        _ => null,
    };

    private static Command Cancel()
    {
        var id = IdArgument();
        var json = JsonOption();
        var command = new Command("cancel", "Cancel a job: its running replicas are stopped.") { id, json };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var j = await client.CancelJobAsync(parse.GetValue(id), cancellationToken);
            if (parse.GetValue(json))
            {
                Terminal.WriteJson(j);
            }
            else
            {
                Console.WriteLine($"job {j.Id} ({j.Name}) is {j.State}");
            }

            return 0;
        }, cancellationToken, asTeam: true));
        return command;
    }

    private static Command Eta()
    {
        var id = IdArgument();
        var json = JsonOption();
        var command = new Command("eta", "When a queued job is expected to start (with a range), on which nodes, behind and instead of which jobs: the live queue replayed forward with predicted run times.")
        {
            id, json,
        };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            PrintEta(await client.GetJobEtaAsync(parse.GetValue(id), cancellationToken), parse.GetValue(json));
            return 0;
        }, cancellationToken));
        return command;
    }

    private static void PrintEta(JobEtaView eta, bool json)
    {
        if (json)
        {
            Terminal.WriteJson(eta);
            return;
        }

        Console.WriteLine(eta.Summary);
        if (eta.ExpectedStart is { } at)
        {
            Console.WriteLine($"  expected start: {at.ToLocalTime():yyyy-MM-dd HH:mm}  range: {eta.EarliestStart?.ToLocalTime():HH:mm} – {eta.LatestStart?.ToLocalTime():HH:mm}");
        }

        Console.WriteLine($"  its run time: {(eta.PredictedRuntimeSeconds is { } s ? TimeSpan.FromSeconds(s).ToString(@"d\.hh\:mm", System.Globalization.CultureInfo.InvariantCulture) : "unknown")} ({eta.RuntimeBasis})");
        if (eta.WaitsBehind.Count > 0 || eta.WaitsBehindOthers > 0)
        {
            Console.WriteLine($"  waits behind: {string.Join(", ", eta.WaitsBehind.Select(j => "job " + j))}{(eta.WaitsBehindOthers > 0 ? $" and {eta.WaitsBehindOthers} job(s) of other tenants" : "")}");
        }

        if (eta.Preempts.Count > 0 || eta.PreemptsOthers > 0)
        {
            Console.WriteLine($"  would preempt: {string.Join(", ", eta.Preempts.Select(j => "job " + j))}{(eta.PreemptsOthers > 0 ? $" and {eta.PreemptsOthers} job(s) of other tenants" : "")}");
        }
    }

    private static Command Explain()
    {
        var id = IdArgument();
        var json = JsonOption();
        var command = new Command("explain", "Why a job is pending: each constraint and the nodes it ruled out, its place in the queue, and what would let it run.") { id, json };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var x = await client.ExplainJobAsync(parse.GetValue(id), cancellationToken);
            if (parse.GetValue(json))
            {
                Terminal.WriteJson(x);
                return 0;
            }

            Render(Terminal.Create(), x);
            return 0;
        }, cancellationToken, asTeam: true));
        return command;
    }

    /// <summary>A verdict as a sentence: capital first letter, full stop.</summary>
    private static string Sentence(string text) =>
        text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..] + (text.EndsWith('.') ? "" : ".");

    /// <summary>Prints an explanation: the summary, the queue, the constraints table, what would help, and the blockers.</summary>
    internal static void Render(IAnsiConsole console, JobExplanation x)
    {
        console.MarkupLine($"[bold]Job {x.JobId}[/] {Markup.Escape(x.Name)} ([{HumanText.StateColour(x.State)}]{x.State}[/], priority {x.Priority}, tenant {Markup.Escape(x.Tenant)})");
        console.MarkupLine(Markup.Escape(x.Summary));
        if (x.QueuePosition is { } position)
        {
            console.MarkupLine($"[grey]Queue:[/] {position} of {x.QueueLength} pending (higher priority first, then oldest first)");
        }

        if (x.Constraints.Count > 0)
        {
            console.WriteLine();
            // The same numbers as the summary above: both come from the server's verdicts, never recomputed here.
            var table = Terminal.NewTable("CONSTRAINT", "NODES RULED OUT", "WHY");
            table.Columns[2].NoWrap = false;
            foreach (var c in x.Constraints)
            {
                table.AddRow(new Text(c.Constraint), new Text($"{c.NodesRuledOut} of {c.NodesConsidered}"), new Text(Sentence(c.Message)));
            }

            console.Write(table);
        }

        if (x.WouldRunIf.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine("[bold]What would let it run[/]");
            foreach (var line in x.WouldRunIf)
            {
                console.MarkupLine($"  • {Markup.Escape(line)}");
            }
        }

        if (x.Blockers.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine("[bold]Work holding what it needs[/]");
            var table = Terminal.NewTable("JOB", "NAME", "REPLICA", "NODE", "GPUS", "PRIORITY", "PREEMPTIBLE");
            foreach (var b in x.Blockers)
            {
                table.AddRow(
                    b.JobId.ToString(System.Globalization.CultureInfo.InvariantCulture), b.JobName, b.Replica.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Node,
                    b.Gpus.Count > 0 ? string.Join(',', b.Gpus) : "-", b.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Preemptible ? "yes" : "no");
            }

            console.Write(table);
        }
    }
}
