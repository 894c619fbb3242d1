using System.Text.RegularExpressions;
using Lepton.Client.Contracts;
using Lepton.Server.Auth;
using Lepton.Core.Queueing;
using Lepton.Server.Model;
using Lepton.Server.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary><c>/api/v1/tenants</c> and <c>/api/v1/tokens</c> (create, list, revoke): the admin's endpoints.</summary>
internal static partial class AdminApi
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex TenantName();

    public static void Map(IEndpointRouteBuilder api, ControlPlane plane)
    {
        var admin = api.MapGroup("/").AddEndpointFilter(new CallerFilter(plane, [TokenKind.Admin])).WithTags("Admin");

        admin.MapPost("/tenants", async (HttpContext http) =>
        {
            var create = await JsonBody.ReadAsync<TenantCreate>(http.Request);
            if (!TenantName().IsMatch(create.Name))
            {
                throw ApiException.BadField("name", "must be 1..63 lower-case letters, digits or '-', starting with a letter or digit");
            }

            if (create.Quota is { } q && (q.CpuMilli < 0 || q.MemoryMiB < 0 || q.GpuMilli < 0 || q.Fpga < 0 || q.NetworkMbps < 0))
            {
                throw ApiException.BadField("quota", "every component must be non-negative");
            }

            CheckAmounts("guarantee", create.Guarantee);
            CheckAmounts("borrowingLimit", create.BorrowingLimit);

            if (!(create.FairShareWeight > 0 && create.FairShareWeight <= 1000))
            {
                throw ApiException.BadField("fairShareWeight", "must be in (0, 1000]");
            }

            var view = await plane.MutateAsync(tx =>
            {
                if (plane.Tenants.ContainsKey(create.Name))
                {
                    throw new ApiException(409, "Conflict", $"tenant '{create.Name}' already exists", "name");
                }

                var tenant = new Tenant
                {
                    Name = create.Name,
                    Quota = create.Quota,
                    FairShareWeight = create.FairShareWeight,
                    CreatedAt = plane.Time.GetUtcNow(),
                    Guarantee = create.Guarantee,
                    BorrowingLimit = create.BorrowingLimit,
                };
                plane.Tenants[tenant.Name] = tenant;
                tx.UpsertTenant(tenant);
                return View(plane, tenant);
            });
            return Results.Json(view, LeptonJsonContext.Default.TenantView, statusCode: 201);
        }).Accepts<TenantCreate>("application/json").Produces<TenantView>(201).ProducesProblem(400).ProducesProblem(409);

        admin.MapGet("/tenants", () =>
        {
            lock (plane.Gate)
            {
                return Results.Json(plane.Tenants.Values.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => View(plane, t)).ToList(),
                    LeptonJsonContext.Default.ListTenantView);
            }
        }).Produces<List<TenantView>>();

        admin.MapPut("/tenants/{name}/share", async (string name, HttpContext http) =>
        {
            var update = await JsonBody.ReadAsync<TenantShareUpdate>(http.Request);
            CheckAmounts("guarantee", update.Guarantee);
            CheckAmounts("borrowingLimit", update.BorrowingLimit);
            if (update.FairShareWeight is { } w && !(w > 0 && w <= 1000))
            {
                throw ApiException.BadField("fairShareWeight", "must be in (0, 1000]");
            }

            var view = await plane.MutateAsync(tx =>
            {
                if (!plane.Tenants.TryGetValue(name, out var tenant))
                {
                    throw new ApiException(404, "Not Found", $"no tenant '{name}'", "name");
                }

                tenant.Guarantee = update.Guarantee;
                tenant.BorrowingLimit = update.BorrowingLimit;
                tenant.FairShareWeight = update.FairShareWeight ?? tenant.FairShareWeight;
                tx.UpsertTenant(tenant);
                return View(plane, tenant);
            });
            return Results.Json(view, LeptonJsonContext.Default.TenantView);
        }).Accepts<TenantShareUpdate>("application/json").Produces<TenantView>().ProducesProblem(400).ProducesProblem(404);

        admin.MapPost("/tokens", async (HttpContext http) =>
        {
            var create = await JsonBody.ReadAsync<TokenCreate>(http.Request);
            if (!Enum.TryParse<TokenKind>(create.Kind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
            {
                throw ApiException.BadField("kind", "must be tenant, agent, metrics or admin (node credentials come from registering a node)");
            }

            var view = await plane.CreateTokenAsync(kind, create.Tenant, create.Description);
            return Results.Json(view, LeptonJsonContext.Default.TokenView, statusCode: 201);
        }).Accepts<TokenCreate>("application/json").Produces<TokenView>(201).ProducesProblem(400);

        admin.MapGet("/tokens", () =>
        {
            lock (plane.Gate)
            lock (plane.ModelLock)
            {
                // Never the secret: only its hash is stored, and views carry no hash. (ModelLock: "last used" times.)
                return Results.Json(plane.TokensById.Values.Select(ControlPlane.ToView).ToList(), LeptonJsonContext.Default.ListTokenView);
            }
        }).Produces<List<TokenView>>();

        admin.MapDelete("/tokens/{id:long}", async (long id) =>
            Results.Json(await plane.RevokeTokenAsync(id), LeptonJsonContext.Default.TokenView))
            .Produces<TokenView>().ProducesProblem(404).ProducesProblem(409);
    }

    /// <summary>Every component of an amount must be non-negative; the field is named in the 400.</summary>
    private static void CheckAmounts(string field, ResourceAmounts? amounts)
    {
        if (amounts is { } a && (a.CpuMilli < 0 || a.MemoryMiB < 0 || a.GpuMilli < 0 || a.Fpga < 0 || a.NetworkMbps < 0))
        {
            throw ApiException.BadField(field, "every component must be non-negative");
        }
    }

    private static TenantView View(ControlPlane plane, Tenant tenant)
    {
        var used = Core.Resources.ResourceVector.Zero;
        foreach (var job in plane.Jobs.Values)
        {
            if (job.Tenant != tenant.Name)
            {
                continue;
            }

            foreach (var task in job.Tasks)
            {
                if (task.IsBound)
                {
                    used += job.Requests[task.Replica].Request;
                }
            }
        }

        return new TenantView
        {
            Name = tenant.Name,
            Quota = tenant.Quota,
            FairShareWeight = tenant.FairShareWeight,
            Used = JobOperations.ToAmounts(used),
            CreatedAt = tenant.CreatedAt,
            Guarantee = tenant.Guarantee,
            BorrowingLimit = tenant.BorrowingLimit,
            Borrowed = JobOperations.ToAmounts(FairSharePolicy.Borrowed(used, FairShareTerms.Of(tenant))),
            DominantShare = FairSharePolicy.DominantShare(used, FairShareTerms.Capacity(plane)),
        };
    }
}
