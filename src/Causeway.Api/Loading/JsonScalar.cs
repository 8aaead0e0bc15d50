using System.Text.Json;

namespace Causeway.Api.Loading;

/// <summary>A converted scalar waiting to be written (so a value is parsed once, then written only if accepted).</summary>
internal readonly struct JsonScalar
{
    private readonly JsonTokenType type;
    private readonly string? text;
    private readonly long integer;
    private readonly ulong unsigned;
    private readonly double number;
    private readonly bool isUnsigned;

    private JsonScalar(JsonTokenType type, string? text = null, long integer = 0, ulong unsigned = 0, double number = double.NaN, bool isUnsigned = false)
    {
        this.type = type;
        this.text = text;
        this.integer = integer;
        this.unsigned = unsigned;
        this.number = number;
        this.isUnsigned = isUnsigned;
    }

    public static JsonScalar Of(string s) => new(JsonTokenType.String, s);

    public static JsonScalar Of(bool b) => new(b ? JsonTokenType.True : JsonTokenType.False);

    public static JsonScalar Of(long n) => new(JsonTokenType.Number, integer: n);

    public static JsonScalar Of(ulong n) => new(JsonTokenType.Number, unsigned: n, isUnsigned: true);

    public static JsonScalar Of(double d) => new(JsonTokenType.Number, number: d);

    public void WriteTo(Utf8JsonWriter writer)
    {
        switch (type)
        {
            case JsonTokenType.String:
                writer.WriteStringValue(text);
                break;
            case JsonTokenType.True or JsonTokenType.False:
                writer.WriteBooleanValue(type == JsonTokenType.True);
                break;
            case JsonTokenType.Number when isUnsigned:
                writer.WriteNumberValue(unsigned);
                break;
            case JsonTokenType.Number when !double.IsNaN(number):
                writer.WriteNumberValue(number);
                break;
            case JsonTokenType.Number:
                writer.WriteNumberValue(integer);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
