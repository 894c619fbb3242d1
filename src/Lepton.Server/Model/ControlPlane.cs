using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Server.Apis;
using Lepton.Server.Persistence;
using Microsoft.Extensions.Logging;

namespace Lepton.Server.Model;

/// <summary>The control plane's state: an in-memory model of tenants, tokens, nodes, jobs and tasks, kept in step with the
/// durable store by one writer that commits changes in groups.</summary>
/// <remarks>
/// <para>Every change is a <em>mutation</em>: a function that checks the request against the model, changes the model and
/// writes the changed rows to the store transaction. Mutations run one at a time on the writer, under the model lock,
/// in arrival order; the writer gathers all mutations that arrive while the previous group commits into one transaction
/// (group commit), so one fsync makes many submissions durable. A caller's task completes only after its group commits:
/// a 201 is never sent for a job that is not on disk.</para>
/// <para>A failed commit leaves the model ahead of the store; the control plane then stops accepting changes
/// (<see cref="Faulted"/>) and the host should restart, reloading the store.</para>
/// <para>Readers take the model lock briefly to build views.</para>
/// </remarks>
internal sealed class ControlPlane : IDisposable
{
    private readonly IJobStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Channel<Mutation> _mutations = Channel.CreateUnbounded<Mutation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Task _writer;
    private long _nextJobId;
    private long _nextTaskId;
    private long _nextTokenId;

    public ControlPlane(IJobStore store, TimeProvider time, ILogger log)
    {
        _store = store;
        _time = time;
        _log = log;
        var contents = store.Load();
        var now = time.GetUtcNow();
        foreach (var tenant in contents.Tenants)
        {
            Tenants[tenant.Name] = tenant;
        }

        foreach (var token in contents.Tokens)
        {
            TokensByHash[token.Hash] = token;
            _nextTokenId = Math.Max(_nextTokenId, token.Id);
        }

        foreach (var node in contents.Nodes)
        {
            // A restarted server gives every node a full heartbeat timeout to come back before its work is failed over,
            // but offers it no new work until its agent has heartbeated (a node of an earlier run may be gone for good).
            node.LastHeartbeat = now;
            node.AwaitingHeartbeat = true;
            Nodes[node.Name] = node;
        }

        foreach (var job in contents.Jobs)
        {
            Jobs[job.Id] = job;
            if (job.State == JobState.Pending)
            {
                PendingJobs.Add(job.Id);
            }

            _nextJobId = Math.Max(_nextJobId, job.Id);
            foreach (var task in job.Tasks)
            {
                Tasks[task.Id] = task;
                IndexTask(task);
                _nextTaskId = Math.Max(_nextTaskId, task.Id);
            }
        }

        _writer = Task.Factory.StartNew(RunWriter, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Guards every collection and entity below.</summary>
    public object Gate { get; } = new();

    public Dictionary<string, Tenant> Tenants { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ApiToken> TokensByHash { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Node> Nodes { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<long, Job> Jobs { get; } = [];
    public Dictionary<long, JobTask> Tasks { get; } = [];

    /// <summary>Ids of tasks written since the scheduler last looked (their binding may have changed); guarded by <see cref="Gate"/>.</summary>
    public HashSet<long> DirtyTasks { get; } = [];

    /// <summary>Ids of the tasks bound to each node; guarded by <see cref="Gate"/>.</summary>
    public Dictionary<string, HashSet<long>> TasksOnNode { get; } = new(StringComparer.Ordinal);

    private readonly Dictionary<long, string> _indexedNode = [];

    /// <summary>The ids of tasks bound to <paramref name="node"/> (empty if none); call under <see cref="Gate"/>.</summary>
    public IReadOnlyCollection<long> TasksOn(string node) => TasksOnNode.TryGetValue(node, out var ids) ? ids : [];

    /// <summary>Keeps <see cref="TasksOnNode"/> in step with a task's binding (writer, under the lock).</summary>
    public void IndexTask(JobTask task)
    {
        var node = task.IsBound ? task.Node : null;
        if (_indexedNode.TryGetValue(task.Id, out var old))
        {
            if (old == node)
            {
                return;
            }

            TasksOnNode[old].Remove(task.Id);
            _indexedNode.Remove(task.Id);
        }

        if (node is not null)
        {
            if (!TasksOnNode.TryGetValue(node, out var ids))
            {
                TasksOnNode[node] = ids = [];
            }

            ids.Add(task.Id);
            _indexedNode[task.Id] = node;
        }
    }

    /// <summary>Ids of jobs in state Pending (what a scheduling cycle considers); guarded by <see cref="Gate"/>.</summary>
    public HashSet<long> PendingJobs { get; } = [];

    /// <summary>Bumped whenever a node row is written (registration, drain, Down, back up); the scheduler then rebuilds its cluster.</summary>
    public long NodesVersion { get; private set; }

    /// <summary>Bumped by every mutation that can change what the scheduler would decide.</summary>
    public long SchedulingVersion { get; private set; }

    /// <summary>True after a commit failed; no more changes are accepted.</summary>
    public bool Faulted { get; private set; }

    public TimeProvider Time => _time;

    /// <summary>Completes when the scheduler should run a cycle (something changed).</summary>
    public ChannelReader<bool> Wake => _wake.Reader;

    /// <summary>Hashes a secret token for storage and lookup.</summary>
    public static string HashToken(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Creates a new random secret token (32 random bytes, URL-safe base64, with a <c>lt_</c> prefix).</summary>
    public static string NewSecret() => "lt_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Looks a token up by its secret.</summary>
    public ApiToken? Authenticate(string secret)
    {
        var hash = HashToken(secret);
        lock (Gate)
        {
            return TokensByHash.GetValueOrDefault(hash);
        }
    }

    /// <summary>Creates a token; returns it with its secret (shown once).</summary>
    public Task<TokenView> CreateTokenAsync(TokenKind kind, string? tenant, string? description) => MutateAsync(tx =>
    {
        if (kind == TokenKind.Tenant && (tenant is null || !Tenants.ContainsKey(tenant)))
        {
            throw tenant is null
                ? ApiException.BadField("tenant", "a tenant token needs a tenant")
                : new ApiException(404, "Not found", $"tenant '{tenant}' not found", "tenant");
        }

        var secret = NewSecret();
        var token = new ApiToken
        {
            Id = ++_nextTokenId,
            Hash = HashToken(secret),
            Kind = kind,
            Tenant = kind == TokenKind.Tenant ? tenant : null,
            Description = description,
            CreatedAt = _time.GetUtcNow(),
        };
        tx.InsertToken(token);
        TokensByHash[token.Hash] = token;
        return ToView(token) with { Token = secret };
    }, schedulingChange: false);

    public static TokenView ToView(ApiToken token) => new()
    {
        Id = token.Id,
        Kind = token.Kind.ToString().ToLowerInvariant(),
        Tenant = token.Tenant,
        Description = token.Description,
        CreatedAt = token.CreatedAt,
    };

    /// <summary>Runs <paramref name="change"/> on the writer and completes after its group is durable.</summary>
    /// <param name="change">Checks (throwing <see cref="ApiException"/> before changing anything), changes the model and writes rows.</param>
    /// <param name="schedulingChange">Whether the change can alter a scheduling decision (wakes the scheduler).</param>
    public Task<T> MutateAsync<T>(Func<IStoreTransaction, T> change, bool schedulingChange = true)
    {
        if (Faulted)
        {
            return Task.FromException<T>(new ApiException(503, "Unavailable", "the store failed; the server must restart"));
        }

        var mutation = new Mutation<T>(change, schedulingChange);
        if (!_mutations.Writer.TryWrite(mutation))
        {
            return Task.FromException<T>(new ApiException(503, "Unavailable", "the server is shutting down"));
        }

        return mutation.Completion.Task;
    }

    /// <summary>Wakes the scheduler.</summary>
    public void RequestCycle() => _wake.Writer.TryWrite(true);

    private async Task RunWriter()
    {
        var batch = new List<Mutation>(256);
        var reader = _mutations.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 1024 && reader.TryRead(out var m))
            {
                batch.Add(m);
            }

            var wake = false;
            try
            {
                using var tx = new TrackingTransaction(this, _store.Begin());
                lock (Gate)
                {
                    foreach (var m in batch)
                    {
                        m.Run(tx);
                        if (m.Succeeded && m.SchedulingChange)
                        {
                            wake = true;
                            SchedulingVersion++;
                        }
                    }
                }

                tx.Commit();
            }
            catch (Exception e)
            {
                Faulted = true;
                _log.LogCritical(e, "store commit failed; refusing further changes");
                foreach (var m in batch)
                {
                    m.Fail(new ApiException(503, "Unavailable", "the store failed to commit; the server must restart"));
                }

                continue;
            }

            foreach (var m in batch)
            {
                m.Complete();
            }

            if (wake)
            {
                RequestCycle();
            }
        }
    }

    public void Dispose()
    {
        _mutations.Writer.TryComplete();
        try
        {
            _writer.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Already logged by the writer.
        }

        _store.Dispose();
    }

    /// <summary>Passes writes to the store and notes, for the scheduler, which tasks and nodes they touched.</summary>
    private sealed class TrackingTransaction(ControlPlane plane, IStoreTransaction inner) : IStoreTransaction
    {
        public void UpsertTenant(Tenant tenant) => inner.UpsertTenant(tenant);
        public void InsertToken(ApiToken token) => inner.InsertToken(token);
        public void UpsertJob(Job job)
        {
            if (job.State == JobState.Pending)
            {
                plane.PendingJobs.Add(job.Id);
            }
            else
            {
                plane.PendingJobs.Remove(job.Id);
            }

            inner.UpsertJob(job);
        }
        public void InsertEvent(long jobId, JobEventView jobEvent) => inner.InsertEvent(jobId, jobEvent);
        public void Commit() => inner.Commit();
        public void Dispose() => inner.Dispose();

        public void UpsertNode(Node node)
        {
            plane.NodesVersion++;
            inner.UpsertNode(node);
        }

        public void UpsertTask(JobTask task)
        {
            plane.DirtyTasks.Add(task.Id);
            plane.IndexTask(task);
            inner.UpsertTask(task);
        }
    }

    /// <summary>A queued change.</summary>
    private abstract class Mutation
    {
        public abstract bool SchedulingChange { get; }
        public abstract bool Succeeded { get; }
        public abstract void Run(IStoreTransaction tx);
        public abstract void Complete();
        public abstract void Fail(Exception e);
    }

    private sealed class Mutation<T>(Func<IStoreTransaction, T> change, bool schedulingChange) : Mutation
    {
        private T? _result;
        private Exception? _error;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override bool SchedulingChange => schedulingChange;
        public override bool Succeeded => _error is null;

        public override void Run(IStoreTransaction tx)
        {
            try
            {
                _result = change(tx);
            }
            catch (Exception e)
            {
                // An ApiException is a refusal made before any change; anything else is a bug in one mutation, which must
                // not take the rest of the group down with it.
                _error = e;
            }
        }

        public override void Complete()
        {
            if (_error is null)
            {
                Completion.TrySetResult(_result!);
            }
            else
            {
                Completion.TrySetException(_error);
            }
        }

        public override void Fail(Exception e) => Completion.TrySetException(_error ?? e);
    }

    /// <summary>Next job id (writer only).</summary>
    public long NewJobId() => ++_nextJobId;

    /// <summary>Next task id (writer only).</summary>
    public long NewTaskId() => ++_nextTaskId;

    /// <summary>Measures elapsed time for metrics.</summary>
    public static double SecondsSince(long timestamp) => Stopwatch.GetElapsedTime(timestamp).TotalSeconds;

    /// <summary>Whether a node takes work.</summary>
    public static bool IsReady(Node node) => node.EffectiveState == NodeState.Ready;
}
