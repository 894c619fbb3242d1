using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
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
/// <para>A failed commit (a full disk, an I/O error) fails its whole group with 503 and puts the model back to what the store
/// holds, so a refused change leaves no trace; the commit runs under the model lock, so no reader sees a change before it is
/// durable. <see cref="StoreFailure"/> says why until a later commit succeeds: there is no state that needs a restart.</para>
/// <para>Readers take the model lock briefly to build views.</para>
/// <para>Two locks: <see cref="Gate"/> is the model lock above (held by every change, across its commit, and by every reader
/// that must see only durable state: API views, agents' assignments). <see cref="ModelLock"/> is taken inside it while the
/// model's memory changes, and alone by the scheduler's snapshot, so that a scheduling cycle does not wait for a commit's
/// round trip to the store. The scheduler may so plan on changes whose commit is in flight; that is safe because its
/// decisions go through the same writer after that commit and are re-checked there (a commit that fails reloads the model
/// first, and the re-check skips what is gone).</para>
/// </remarks>
internal sealed class ControlPlane : IDisposable
{
    private readonly IJobStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    // The writer and the scheduler are dedicated threads that block on these (not async loops on the thread pool): every
    // submission's latency goes through both, and under load a pool continuation waits behind the request work queued there.
    private readonly WriterQueue<Mutation> _mutations = new();
    private readonly ManualResetEventSlim _wake = new();
    private readonly Task _writer;
    private long _nextJobId;
    private long _nextTaskId;
    private long _nextTokenId;

    public ControlPlane(IJobStore store, TimeProvider time, ILogger log)
    {
        _store = store;
        _time = time;
        _log = log;
        lock (Gate)
        lock (ModelLock)
        {
            Reset(store.Load());
        }

        _writer = Task.Factory.StartNew(RunWriter, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Replaces the model with what the store holds (at start, and after a failed commit); call under <see cref="Gate"/>.</summary>
    /// <remarks>Id counters only ever go up, so an id handed out to a change that was then refused is never used again by this
    /// process. Live node data (heartbeat time, usage) is not in the store and is kept.</remarks>
    private void Reset(StoreContents contents)
    {
        var now = _time.GetUtcNow();
        var live = new Dictionary<string, Node>(Nodes, StringComparer.Ordinal);
        Tenants.Clear();
        TokensByHash.Clear();
        TokensById.Clear();
        IdempotencyKeys.Clear();
        Nodes.Clear();
        Jobs.Clear();
        Tasks.Clear();
        PendingJobs.Clear();
        TasksOnNode.Clear();
        _indexedNode.Clear();
        DirtyTasks.Clear();
        foreach (var tenant in contents.Tenants)
        {
            Tenants[tenant.Name] = tenant;
        }

        foreach (var token in contents.Tokens)
        {
            TokensById[token.Id] = token;
            if (token.RevokedAt is null)
            {
                TokensByHash[token.Hash] = token;
            }

            _nextTokenId = Math.Max(_nextTokenId, token.Id);
        }

        foreach (var key in contents.IdempotencyKeys)
        {
            IdempotencyKeys[(key.Tenant, key.Key)] = key;
        }

        foreach (var node in contents.Nodes)
        {
            // Rows written before agent input was range-checked may hold absurd numbers; clamp them rather than fail every view.
            node.Registration = AgentInputValidator.Sanitize(node.Registration);
            if (live.TryGetValue(node.Name, out var known))
            {
                // A reload after a failed commit: what the agents told us still holds.
                node.LastHeartbeat = known.LastHeartbeat;
                node.Usage = known.Usage;
                node.AwaitingHeartbeat = known.AwaitingHeartbeat;
            }
            else
            {
                // A restarted server gives every node a full heartbeat timeout to come back before its work is failed over,
                // but offers it no new work until its agent has heartbeated (a node of an earlier run may be gone for good).
                node.LastHeartbeat = now;
                node.AwaitingHeartbeat = true;
            }

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

        // Whoever caches the model (the scheduler's mirror) must rebuild.
        NodesVersion++;
        SchedulingVersion++;
    }

    /// <summary>The writer loop; it faults only on a bug, and then no change can be made any more (the host must stop).</summary>
    public Task Writer => _writer;

    /// <summary>Guards every collection and entity below; the writer holds it across each commit, so a reader under it sees only
    /// durable state.</summary>
    public object Gate { get; } = new();

    /// <summary>Held (inside <see cref="Gate"/>) while the model's memory changes; the scheduler's snapshot takes it alone and
    /// may see changes whose commit is in flight (see the remarks). Never take <see cref="Gate"/> while holding it.</summary>
    public object ModelLock { get; } = new();

    public Dictionary<string, Tenant> Tenants { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether the scheduler shares by fair share (guarantees, borrowing, reclaim; <c>lepton serve --fair-share</c>)
    /// instead of hard quotas; set once at start.</summary>
    public bool FairShare { get; set; }

    /// <summary>Tokens that authenticate (not revoked), by the hash of their secret.</summary>
    public Dictionary<string, ApiToken> TokensByHash { get; } = new(StringComparer.Ordinal);

    /// <summary>Every token ever issued, revoked ones included (they keep a node name claimed and show in the token list).</summary>
    public SortedDictionary<long, ApiToken> TokensById { get; } = [];

    /// <summary>The job each (tenant, Idempotency-Key) created; guarded by <see cref="Gate"/>.</summary>
    public Dictionary<(string Tenant, string Key), IdempotencyRecord> IdempotencyKeys { get; } = [];
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

    /// <summary>Why the last commit failed (e.g. the disk is full), or null while the store writes fine.</summary>
    /// <remarks>Set by a failed commit and cleared by the next one that succeeds: writes resume by themselves once the cause
    /// is gone. Reported by <c>/healthz</c>.</remarks>
    public string? StoreFailure { get; private set; }

    /// <summary>When the store started failing (null while it writes fine).</summary>
    public DateTimeOffset? StoreFailingSince { get; private set; }

    public TimeProvider Time => _time;

    /// <summary>Blocks the calling (scheduler) thread until a cycle is requested, <paramref name="timeout"/> passes or
    /// <paramref name="cancellation"/> fires (then it throws); a request made while nobody waits is kept for the next call.</summary>
    /// <returns>Whether a cycle was requested (false: the timeout passed).</returns>
    public bool WaitForCycleRequest(TimeSpan timeout, CancellationToken cancellation)
    {
        var requested = _wake.Wait(timeout, cancellation);
        // Reset before the caller reads SchedulingVersion: a request after this point sets the event again, and one made
        // just before was preceded by its version bump, which the caller sees.
        _wake.Reset();
        return requested;
    }

    /// <summary>Hashes a secret token for storage and lookup.</summary>
    public static string HashToken(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Creates a new random secret token (32 random bytes, URL-safe base64, with a <c>lt_</c> prefix).</summary>
    public static string NewSecret() => "lt_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>How stale a token's persisted "last used" time may get before it is written again.</summary>
    private static readonly TimeSpan LastUsedPersistEvery = TimeSpan.FromMinutes(1);

    /// <summary>Looks a token up by its secret; null for an unknown or revoked one.</summary>
    /// <remarks>
    /// <para>Revocation removes the token from <see cref="TokensByHash"/> under the lock, so there is no cache to go stale:
    /// the next request after a revocation is refused.</para>
    /// <para>Under <see cref="ModelLock"/>, not <see cref="Gate"/>: every request authenticates, and waiting out a commit's
    /// round trip here parks thread-pool threads, which Npgsql's socket I/O needs to finish that very commit (seen as
    /// stalls of seconds in <c>lepton bench api</c> on PostgreSQL). Seeing a token change before it is durable is safe: a
    /// revocation refuses at once (and a failed one reloads), and a new token's secret reaches nobody before its commit.
    /// The "last used" times are guarded by <see cref="ModelLock"/>.</para>
    /// </remarks>
    public ApiToken? Authenticate(string secret)
    {
        var hash = HashToken(secret);
        ApiToken? token;
        var persist = false;
        lock (ModelLock)
        {
            token = TokensByHash.GetValueOrDefault(hash);
            if (token is null)
            {
                return null;
            }

            var now = _time.GetUtcNow();
            token.LastUsedAt = now;
            if (token.PersistedLastUsedAt is not { } persisted || now - persisted >= LastUsedPersistEvery)
            {
                token.PersistedLastUsedAt = now;
                persist = true;
            }
        }

        if (persist && StoreFailure is null)
        {
            // Best effort and off the request's path: a lost "last used" time is harmless.
            _ = MutateAsync(tx =>
            {
                tx.UpdateToken(token);
                return true;
            }, schedulingChange: false).ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
        }

        return token;
    }

    /// <summary>Creates a token; returns it with its secret (shown once).</summary>
    /// <param name="kind">Token kind.</param>
    /// <param name="tenant">The tenant of a tenant token.</param>
    /// <param name="description">Free text.</param>
    /// <param name="secret">The secret to use (already saved elsewhere, like the admin token's file); null for a new random one.</param>
    public Task<TokenView> CreateTokenAsync(TokenKind kind, string? tenant, string? description, string? secret = null) => MutateAsync(tx =>
    {
        if (kind == TokenKind.Node)
        {
            throw ApiException.BadField("kind", "node credentials are issued by registering a node (POST /api/v1/agent/register with an agent token)");
        }

        if (kind == TokenKind.Tenant && (tenant is null || !Tenants.ContainsKey(tenant)))
        {
            throw tenant is null
                ? ApiException.BadField("tenant", "a tenant token needs a tenant")
                : new ApiException(404, "Not found", $"tenant '{tenant}' not found", "tenant");
        }

        var (token, issued) = IssueToken(tx, kind, kind == TokenKind.Tenant ? tenant : null, null, description, secret);
        return ToView(token) with { Token = issued };
    }, schedulingChange: false);

    /// <summary>Issues a new token (writer only, inside a mutation); returns it with its secret.</summary>
    /// <param name="tx">The mutation's store transaction.</param>
    /// <param name="kind">Token kind.</param>
    /// <param name="tenant">The tenant of a tenant token.</param>
    /// <param name="node">The node a node credential speaks for.</param>
    /// <param name="description">Free text.</param>
    /// <param name="secret">The secret to use (already saved elsewhere, like the admin token's file); null for a new random one.</param>
    public (ApiToken Token, string Secret) IssueToken(IStoreTransaction tx, TokenKind kind, string? tenant, string? node, string? description,
        string? secret = null)
    {
        secret ??= NewSecret();
        var token = new ApiToken
        {
            Id = ++_nextTokenId,
            Hash = HashToken(secret),
            Kind = kind,
            Tenant = tenant,
            Node = node,
            Description = description,
            CreatedAt = _time.GetUtcNow(),
        };
        tx.InsertToken(token);
        TokensByHash[token.Hash] = token;
        TokensById[token.Id] = token;
        return (token, secret);
    }

    /// <summary>Revokes a token at once (writer only, inside a mutation); revoking a revoked token changes nothing.</summary>
    public void RevokeToken(IStoreTransaction tx, ApiToken token)
    {
        if (token.RevokedAt is not null)
        {
            return;
        }

        token.RevokedAt = _time.GetUtcNow();
        TokensByHash.Remove(token.Hash);
        tx.UpdateToken(token);
    }

    /// <summary>Revokes token <paramref name="id"/> (admin); the last active admin token cannot be revoked (409).</summary>
    public Task<TokenView> RevokeTokenAsync(long id) => MutateAsync(tx =>
    {
        if (!TokensById.TryGetValue(id, out var token))
        {
            throw ApiException.NotFound($"token {id}");
        }

        if (token.Kind == TokenKind.Admin && token.RevokedAt is null
            && !TokensByHash.Values.Any(t => t.Kind == TokenKind.Admin && t.Id != id))
        {
            throw new ApiException(409, "Conflict", $"token {id} is the last admin token; create another admin token before revoking it");
        }

        RevokeToken(tx, token);
        return ToView(token);
    }, schedulingChange: false);

    /// <summary>Whether a node name has ever had its own credential (revoked ones included): then only that credential may
    /// register it again, until an admin removes the node. Call under <see cref="Gate"/>.</summary>
    public bool IsNodeClaimed(string node)
    {
        foreach (var token in TokensById.Values)
        {
            if (token.Kind == TokenKind.Node && token.Node == node)
            {
                return true;
            }
        }

        return false;
    }

    public static TokenView ToView(ApiToken token) => new()
    {
        Id = token.Id,
        Kind = token.Kind.ToString().ToLowerInvariant(),
        Tenant = token.Tenant,
        Node = token.Node,
        Description = token.Description,
        CreatedAt = token.CreatedAt,
        LastUsedAt = token.LastUsedAt,
        RevokedAt = token.RevokedAt,
    };

    /// <summary>Whether this server may write (several servers on one PostgreSQL store: only the leader); always true alone.</summary>
    public Func<bool> IsLeader { get; set; } = static () => true;

    /// <summary>Replaces the model with what the store holds now (a follower serving reads; a new leader taking over).</summary>
    /// <param name="freshNodes">Forget live node data, giving every node a full heartbeat timeout (a new leader: its agents
    /// were talking to the old one).</param>
    public void ReloadFromStore(bool freshNodes)
    {
        var contents = _store.Load();
        lock (Gate)
        lock (ModelLock)
        {
            if (freshNodes)
            {
                Nodes.Clear();
            }

            Reset(contents);
        }
    }

    /// <summary>Runs <paramref name="change"/> on the writer and completes after its group is durable.</summary>
    /// <param name="change">Checks (throwing <see cref="ApiException"/> before changing anything), changes the model and writes rows.</param>
    /// <param name="schedulingChange">Whether the change can alter a scheduling decision (wakes the scheduler).</param>
    public Task<T> MutateAsync<T>(Func<IStoreTransaction, T> change, bool schedulingChange = true)
    {
        if (!IsLeader())
        {
            return Task.FromException<T>(new ApiException(503, "Unavailable", "this server is not the leader; retry (or ask another server)"));
        }

        var mutation = new Mutation<T>(change, schedulingChange);
        if (!_mutations.TryAdd(mutation))
        {
            return Task.FromException<T>(new ApiException(503, "Unavailable", "the server is shutting down"));
        }

        return mutation.Completion.Task;
    }

    /// <summary>Mutations waiting for the writer (not counting the group it is committing).</summary>
    public int QueuedMutations => _mutations.Count;

    /// <summary>Wakes the scheduler.</summary>
    public void RequestCycle() => _wake.Set();

    private void RunWriter()
    {
        var batch = new List<Mutation>(256);
        var needsReload = false;
        while (true)
        {
            batch.Clear();
            if (!_mutations.TakeBatch(batch, 1024))
            {
                return;
            }

            if (needsReload && !TryReload())
            {
                foreach (var m in batch)
                {
                    m.Fail(Unavailable());
                }

                continue;
            }

            needsReload = false;
            var wake = false;
            var failed = false;
            // The commit happens under the gate: no reader ever sees a change that is not durable yet, and a refused batch
            // is rolled back (below, still under the gate) before anyone can look, the refused callers included.
            lock (Gate)
            {
                try
                {
                    using var tx = new TrackingTransaction(this, _store.Begin());
                    lock (ModelLock)
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
                    if (StoreFailure is null)
                    {
                        StoreFailingSince = _time.GetUtcNow();
                        _log.LogCritical(e, "store commit failed; writes answer 503 until a commit succeeds again");
                    }

                    StoreFailure = e.Message;
                    failed = true;
                    // The model is ahead of the store by this batch: take it back to what is durable.
                    needsReload = !TryReload();
                }
            }

            if (failed)
            {
                foreach (var m in batch)
                {
                    m.Fail(Unavailable());
                }

                continue;
            }

            if (StoreFailure is not null)
            {
                _log.LogWarning("store writes again after failing since {Since}", StoreFailingSince);
                StoreFailure = null;
                StoreFailingSince = null;
            }

            foreach (var m in batch)
            {
                m.Complete();
            }

            if (batch.Exists(m => m.Broken))
            {
                // A change that failed half-way may have left the model unlike the rows it wrote: take the store's word.
                _log.LogError("a change failed unexpectedly; reloading the model from the store");
                needsReload = !TryReload();
                wake = true;
            }

            if (wake)
            {
                RequestCycle();
            }
        }
    }

    private ApiException Unavailable() => new(503, "Unavailable",
        $"the server cannot write to its store ({StoreFailure ?? "unknown error"}); nothing was changed. Retry later: writes resume by "
        + "themselves once the cause (e.g. a full disk) is fixed");

    /// <summary>Reloads the model from the store after a failed commit; false (and logged) when even reading fails.</summary>
    private bool TryReload()
    {
        try
        {
            var contents = _store.Load();
            lock (Gate)
            lock (ModelLock)
            {
                Reset(contents);
            }

            return true;
        }
        catch (Exception e)
        {
            StoreFailure ??= e.Message;
            _log.LogError(e, "reloading the model from the store failed; will retry before the next write");
            return false;
        }
    }

    public void Dispose()
    {
        _mutations.Close();
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
        public void UpdateToken(ApiToken token) => inner.UpdateToken(token);
        public void InsertIdempotencyKey(IdempotencyRecord record) => inner.InsertIdempotencyKey(record);

        public void DeleteNode(string name)
        {
            plane.NodesVersion++;
            inner.DeleteNode(name);
        }
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

        /// <summary>True when the change threw something other than a refusal: it may have changed the model half-way.</summary>
        public bool Broken { get; protected set; }
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
            catch (Exception e) when (e is not StoreWriteException)
            {
                // An ApiException is a refusal made before any change; anything else is a bug in one mutation, which must
                // not take the rest of the group down with it (the writer reloads the model after the commit).
                _error = e;
                Broken = e is not ApiException;
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
