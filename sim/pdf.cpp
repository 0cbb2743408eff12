#include "pdf.hpp"

#include <cstdio>

namespace onshi::sim {
namespace {

// A PDF literal string: printable ASCII, with ( ) \ escaped.
std::string pdf_string(const std::string& s) {
    std::string out = "(";
    for (const char c : s) {
        if (c == '(' || c == ')' || c == '\\') out += '\\';
        out += c >= 0x20 && c <= 0x7E ? c : '?';
    }
    return out + ")";
}

std::string page_content(const std::vector<std::string>& lines) {
    std::string s = "BT\n/F1 12 Tf\n16 TL\n56 780 Td\n";
    for (const std::string& line : lines) s += pdf_string(line) + " '\n";  // ' = next line, show
    return s + "ET\n";
}

}  // namespace

std::string make_pdf(const std::vector<std::string>& lines) {
    const std::string content = page_content(lines);
    const std::string objects[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        "/Contents 4 0 R >>",
        "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    };
    // The second line's bytes above 127 mark the file as binary for transfer programs.
    std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    std::string xref = "xref\n0 6\n0000000000 65535 f \n";
    int number = 1;
    for (const std::string& body : objects) {
        char entry[32];
        std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", pdf.size());  // 20 bytes each
        xref += entry;
        pdf += std::to_string(number++) + " 0 obj\n" + body + "\nendobj\n";
    }
    const std::size_t xref_offset = pdf.size();
    pdf += xref;
    pdf += "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref_offset) + "\n%%EOF\n";
    return pdf;
}

}  // namespace onshi::sim
