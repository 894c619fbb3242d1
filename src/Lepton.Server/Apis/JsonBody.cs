using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Lepton.Client.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Lepton.Server.Apis;

/// <summary>Reads a request body strictly: malformed JSON, unknown fields, nulls and wrong types become a 400 naming the field.</summary>
internal static class JsonBody
{
    /// <summary>The input options: the contracts' camelCase metadata, unknown members rejected, nullability respected.</summary>
    public static readonly JsonSerializerOptions Input = new(LeptonJsonContext.Default.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        AllowTrailingCommas = false,
        // Numbers must be JSON numbers: the web defaults would also read "12" and, for floating-point fields, "NaN" and
        // "Infinity" from strings. A number too large for its type (1e309) is refused by the reader either way.
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Reads a request body that arrives with no <c>Content-Type</c> as JSON, as most JSON APIs do (a bare
    /// <c>curl --data</c> with <c>-H 'Content-Type:'</c>, scripts that forget it). Must run before routing, which
    /// answers 415 for a body type an endpoint does not accept.</summary>
    public static void UseJsonWhenUntyped(IApplicationBuilder app) => app.Use((http, next) =>
    {
        var request = http.Request;
        if (string.IsNullOrEmpty(request.ContentType) && request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
            && (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0))
        {
            request.ContentType = "application/json";
        }

        return next(http);
    });

    public static async Task<T> ReadAsync<T>(HttpRequest request)
    {
        var info = (JsonTypeInfo<T>)Input.GetTypeInfo(typeof(T));
        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, info, request.HttpContext.RequestAborted);
            return value ?? throw ApiException.BadField("body", "a JSON object is required");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            if (e.Message.Contains("could not be mapped", StringComparison.Ordinal))
            {
                // The path already ends with the unknown property; the message would name a .NET type, which helps nobody.
                throw ApiException.BadField(field, "unknown field");
            }

            var what = e.Message.Contains("null", StringComparison.Ordinal) ? "must not be null"
                : e.Message.Contains("could not be converted", StringComparison.Ordinal) ? "has the wrong type or is out of range"
                : "malformed JSON";
            throw ApiException.BadField(field, what == "malformed JSON" ? $"{what} ({FirstSentence(e.Message)})" : what);
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
