using Lepton.Client.Contracts;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Server.Apis;
using Lepton.Server.Model;
using Lepton.Server.Persistence;
using Lepton.Server.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lepton.Server.Tests;

/// <summary>The scheduler's snapshot and authentication do not wait for a commit in flight (they take the model's memory
/// lock, not the durable-read gate), and planning on a change whose commit then fails binds nothing and loses nothing.</summary>
public sealed class WriterAndSchedulerTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("lepton-writer-").FullName;
    private readonly HoldingStore _store;
    private readonly ControlPlane _plane;
    private readonly JobOperations _jobs;
    private readonly SchedulerLoop _scheduler;
    private readonly SchedulingMetrics _metrics = new();

    public WriterAndSchedulerTests()
    {
        _store = new HoldingStore(new SqliteJobStore(Path.Combine(_dir, "lepton.db")));
        _plane = new ControlPlane(_store, TimeProvider.System, NullLogger.Instance);
        _jobs = new JobOperations(_plane);
        var nodes = new NodeOperations(_plane, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5));
        _scheduler = new SchedulerLoop(_plane, nodes, new QueuePlanner(PolicyRegistry.Get("firstfit"), new PlacementOptions()), _metrics,
            TimeSpan.FromSeconds(1), NullLogger<SchedulerLoop>.Instance);
        _plane.MutateAsync(tx =>
        {
            var tenant = new Tenant { Name = "team-a", FairShareWeight = 1, CreatedAt = DateTimeOffset.UtcNow };
            _plane.Tenants[tenant.Name] = tenant;
            tx.UpsertTenant(tenant);
            return true;
        }).GetAwaiter().GetResult();
        nodes.RegisterAsync(new Caller(TokenKind.Admin, null, 0),
            new NodeRegistration { Name = "n1", CpuMilli = 8000, MemoryMiB = 65536, Gpus = [] }).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _store.Release();
        _plane.Dispose();
        _metrics.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task RunCycle_SubmissionCommitInFlight_PlansWithoutWaitingAndBindsAfterItIsDurable()
    {
        _store.Hold();
        var submit = _jobs.SubmitAsync("team-a", TestServer.Job("j1"));
        Until(() => _store.Held == 1, "the submission's commit to block");

        // The cycle plans on the submission while its commit still holds the gate, and queues the binding behind it.
        var cycle = Task.Factory.StartNew(_scheduler.RunCycle, TaskCreationOptions.LongRunning);
        Until(() => _plane.QueuedMutations == 1, "the scheduler to queue its plan while the commit is in flight");
        Assert.False(submit.IsCompleted);

        _store.Release();
        var job = await submit.WaitAsync(Patience, TestContext.Current.CancellationToken);
        await cycle.WaitAsync(Patience, TestContext.Current.CancellationToken);

        var stored = Assert.Single(_store.Load().Jobs);
        Assert.Equal(job.Id, stored.Id);
        Assert.Equal("n1", Assert.Single(stored.Tasks).Node);
        Assert.Contains(stored.Events, e => e.Type == "Scheduled");
    }

    [Fact]
    public async Task RunCycle_PlannedOnACommitThatFails_BindsNothingLosesNothingAndSchedulesTheNextSubmission()
    {
        _store.Hold(fail: true);
        var refused = _jobs.SubmitAsync("team-a", TestServer.Job("refused"));
        Until(() => _store.Held == 1, "the submission's commit to block");
        var cycle = Task.Factory.StartNew(_scheduler.RunCycle, TaskCreationOptions.LongRunning);
        Until(() => _plane.QueuedMutations == 1, "the scheduler to queue its plan while the commit is in flight");

        // The held commit fails: the submission is refused, the model goes back to the store, and the plan finds no job.
        _store.Release();
        var error = await Assert.ThrowsAsync<ApiException>(() => refused.WaitAsync(Patience, TestContext.Current.CancellationToken));
        Assert.Equal(503, error.Status);
        await cycle.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Empty(_store.Load().Jobs);
        lock (_plane.Gate)
        {
            Assert.Empty(_plane.Jobs);
            Assert.Empty(_plane.TasksOn("n1"));
        }

        // Writes resume, and the scheduler's mirror is back in step: the next job is bound.
        var accepted = await _jobs.SubmitAsync("team-a", TestServer.Job("accepted")).WaitAsync(Patience, TestContext.Current.CancellationToken);
        _scheduler.RunCycle();
        var stored = Assert.Single(_store.Load().Jobs);
        Assert.Equal(accepted.Id, stored.Id);
        Assert.Equal("n1", Assert.Single(stored.Tasks).Node);
    }

    [Fact]
    public async Task Authenticate_CommitInFlight_AnswersWithoutWaitingForIt()
    {
        var secret = await _plane.MutateAsync(tx => _plane.IssueToken(tx, TokenKind.Tenant, "team-a", null, "bench").Secret);
        _store.Hold();
        var submit = _jobs.SubmitAsync("team-a", TestServer.Job("j1"));
        Until(() => _store.Held == 1, "the submission's commit to block");

        // Every request authenticates: it must not park a thread until the commit's round trip is over.
        var token = await Task.Factory.StartNew(() => _plane.Authenticate(secret), TaskCreationOptions.LongRunning)
            .WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal("team-a", token?.Tenant);
        Assert.False(submit.IsCompleted);

        _store.Release();
        await submit.WaitAsync(Patience, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Authenticate_RevocationCommitInFlight_RefusesAtOnceAndStaysRefusedIfTheCommitFails()
    {
        // The attacker's view: a stolen tenant token is being revoked; the revocation's commit is slow, then fails.
        var (token, secret) = await _plane.MutateAsync(tx => _plane.IssueToken(tx, TokenKind.Tenant, "team-a", null, "stolen"));
        _store.Hold(fail: true);
        var revoke = _plane.RevokeTokenAsync(token.Id);
        Until(() => _store.Held == 1, "the revocation's commit to block");

        // Refused as soon as the revocation runs, before it is durable: no window for the stolen token.
        Assert.Null(await Task.Factory.StartNew(() => _plane.Authenticate(secret), TaskCreationOptions.LongRunning)
            .WaitAsync(Patience, TestContext.Current.CancellationToken));

        // The commit fails: the revocation is answered 503 and the model goes back to the store, where the token is still
        // valid (the admin must retry); nothing in between let the token act on a state the store does not hold.
        _store.Release();
        var error = await Assert.ThrowsAsync<ApiException>(() => revoke.WaitAsync(Patience, TestContext.Current.CancellationToken));
        Assert.Equal(503, error.Status);
        Assert.Equal("team-a", _plane.Authenticate(secret)?.Tenant);

        // The retried revocation sticks.
        await _plane.RevokeTokenAsync(token.Id).WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Null(_plane.Authenticate(secret));
    }

    private static void Until(Func<bool> condition, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > Patience)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>A real SQLite store whose commits can be held at the door (and then failed), to line up a commit in flight
    /// with a scheduling cycle.</summary>
    private sealed class HoldingStore(IJobStore inner) : IJobStore
    {
        private readonly ManualResetEventSlim _open = new(true);
        private volatile bool _fail;
        private int _held;

        /// <summary>Commits waiting at the door.</summary>
        public int Held => Volatile.Read(ref _held);

        public void Hold(bool fail = false)
        {
            _fail = fail;
            _open.Reset();
        }

        public void Release() => _open.Set();

        public StoreContents Load() => inner.Load();

        public IStoreTransaction Begin() => new Transaction(this, inner.Begin());

        public void Dispose()
        {
            inner.Dispose();
            _open.Dispose();
        }

        private void Door()
        {
            if (_open.IsSet)
            {
                return;
            }

            Interlocked.Increment(ref _held);
            _open.Wait();
            Interlocked.Decrement(ref _held);
            if (_fail)
            {
                _fail = false;
                throw new StoreWriteException("injected: the disk went away", new IOException("injected"));
            }
        }

        private sealed class Transaction(HoldingStore store, IStoreTransaction inner) : IStoreTransaction
        {
            public void UpsertTenant(Tenant tenant) => inner.UpsertTenant(tenant);
            public void InsertToken(ApiToken token) => inner.InsertToken(token);
            public void UpdateToken(ApiToken token) => inner.UpdateToken(token);
            public void InsertIdempotencyKey(IdempotencyRecord record) => inner.InsertIdempotencyKey(record);
            public void UpsertNode(Node node) => inner.UpsertNode(node);
            public void DeleteNode(string name) => inner.DeleteNode(name);
            public void UpsertJob(Job job) => inner.UpsertJob(job);
            public void UpsertTask(JobTask task) => inner.UpsertTask(task);
            public void InsertEvent(long jobId, JobEventView jobEvent) => inner.InsertEvent(jobId, jobEvent);

            public void Commit()
            {
                store.Door();
                inner.Commit();
            }

            public void Dispose() => inner.Dispose();
        }
    }
}
