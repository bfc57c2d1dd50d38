package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/export"
)

// cmdExport is `jag export FORMAT [filters] [--out FILE]` (a client of
// GET /v1/exports/{format}) and `jag export add|list|remove`, which
// manage named export definitions directly on the database like the
// other admin commands.
func cmdExport(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "add":
			return exportAdd(ctx, e, args[1:])
		case "list":
			return exportList(ctx, e, args[1:])
		case "remove":
			return exportRemove(ctx, e, args[1:])
		}
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("%w: jag export FORMAT [filters] [--out FILE] (FORMAT: %s), or jag export add|list|remove", errUsage, formatList())
	}
	format, err := export.ParseFormat(args[0])
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	fs := newFlagSet(e, "export "+args[0], "[filters] [--out FILE]")
	var cf clientFlags
	var ff exportFilterFlags
	var out, name string
	cf.register(fs, e)
	ff.register(fs)
	fs.StringVar(&out, "out", "", "write the export to FILE, replaced atomically, and only when it changed (ETag kept in FILE.etag); default stdout")
	fs.StringVar(&name, "name", "", "fetch the named export definition NAME instead (GET /v1/exports/by-name/NAME; filters not allowed)")
	if err := parseClientFlags(fs, e, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	filter, err := ff.filter()
	if err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	path, query := "/v1/exports/"+string(format), filter.Query()
	if name != "" {
		if query != "" {
			return fmt.Errorf("%w: a named export carries its own filters", errUsage)
		}
		path = "/v1/exports/by-name/" + url.PathEscape(name)
	}
	if out == "" {
		_, _, err := c.download(ctx, path, query, "", e.stdout)
		return err
	}
	changed, err := c.downloadFile(ctx, path, query, out)
	if err != nil {
		return err
	}
	if changed {
		fmt.Fprintf(e.stderr, "jag export: %s updated\n", out)
	} else {
		fmt.Fprintf(e.stderr, "jag export: %s unchanged\n", out)
	}
	return nil
}

func formatList() string {
	names := make([]string, len(export.Formats))
	for i, f := range export.Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// exportFilterFlags are the export filters as flags; --filter takes the
// same as a query string.
type exportFilterFlags struct {
	query                        string
	types, labels, creators, tlp string
	validAt                      string
	minConfidence                int
	includeRevoked               bool
}

func (f *exportFilterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.query, "filter", "", `filters as a query string, e.g. "label=apt&min_confidence=70"`)
	fs.StringVar(&f.types, "type", "", "comma-separated observable kinds (ipv4, ipv6, domain, url, email, md5, sha1, sha256, …)")
	fs.StringVar(&f.labels, "label", "", "comma-separated labels (any of them)")
	fs.StringVar(&f.creators, "created-by", "", "comma-separated identity ids of creators")
	fs.StringVar(&f.tlp, "tlp", "", "TLP ceiling: clear, green, amber, amber+strict or red")
	fs.StringVar(&f.validAt, "valid-at", "", "judge validity at this RFC 3339 time instead of now")
	fs.IntVar(&f.minConfidence, "min-confidence", -1, "lowest confidence (0-100); -1 for no condition")
	fs.BoolVar(&f.includeRevoked, "include-revoked", false, "keep revoked indicators")
}

// filter checks the flags the way the hub will and returns the filter.
func (f *exportFilterFlags) filter() (export.Filter, error) {
	q, err := url.ParseQuery(f.query)
	if err != nil {
		return export.Filter{}, fmt.Errorf("%w: --filter: %v", errUsage, err)
	}
	q["type"] = append(q["type"], splitList(f.types)...)
	q["label"] = append(q["label"], splitList(f.labels)...)
	q["created_by"] = append(q["created_by"], splitList(f.creators)...)
	if f.tlp != "" {
		q.Set("tlp", f.tlp)
	}
	if f.validAt != "" {
		q.Set("valid_at", f.validAt)
	}
	if f.minConfidence >= 0 {
		q.Set("min_confidence", strconv.Itoa(f.minConfidence))
	}
	if f.includeRevoked {
		q.Set("include_revoked", "true")
	}
	for k, v := range q {
		if len(v) == 0 {
			delete(q, k)
		}
	}
	filter, err := export.ParseFilter(q)
	if err != nil {
		return export.Filter{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	return filter, nil
}

// download GETs an export into dst, conditionally on etag; it returns
// whether the hub sent a body (false on 304) and the new ETag. A body the
// connection cut short is an error: the hub aborts an export it cannot
// finish rather than end it early.
func (c *client) download(ctx context.Context, path, query, etag string, dst io.Writer) (bool, string, error) {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, "", fmt.Errorf("build request: %w", err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return false, "", fmt.Errorf("GET %s: %w (is the hub running? see --server)", c.base.Redacted(), err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return false, etag, nil
	case resp.StatusCode != http.StatusOK:
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return false, "", c.problem(resp, data)
	}
	if _, err := io.Copy(dst, resp.Body); err != nil {
		return false, "", fmt.Errorf("read export: %w", err)
	}
	return true, resp.Header.Get("ETag"), nil
}

// downloadFile keeps file equal to the export: it sends the ETag of the
// last download (kept in file.etag) and replaces file atomically (a
// temporary file in the same directory, synced, then renamed) only when
// the hub sends a new body.
func (c *client) downloadFile(ctx context.Context, path, query, file string) (bool, error) {
	tagFile := file + ".etag"
	etag := ""
	if b, err := os.ReadFile(tagFile); err == nil {
		if _, serr := os.Stat(file); serr == nil {
			etag = strings.TrimSpace(string(b))
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return false, fmt.Errorf("write export: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	changed, newTag, err := c.download(ctx, path, query, etag, tmp)
	if err != nil || !changed {
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		return false, fmt.Errorf("write export: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("write export: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return false, fmt.Errorf("write export: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return false, fmt.Errorf("write export: %w", err)
	}
	if newTag == "" {
		_ = os.Remove(tagFile)
		return true, nil
	}
	if err := writeFileAtomic(tagFile, []byte(newTag+"\n")); err != nil {
		return true, fmt.Errorf("save ETag: %w", err)
	}
	return true, nil
}

// exportDefinitionLine is one definition as the admin commands print it.
type exportDefinitionLine struct {
	Name      string    `json:"name"`
	Format    string    `json:"format"`
	Filter    string    `json:"filter"`
	Path      string    `json:"path"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func definitionLine(d hub.ExportDefinition) exportDefinitionLine {
	return exportDefinitionLine{Name: d.Name, Format: string(d.Format), Filter: d.Filter.Query(),
		Path: "/v1/exports/by-name/" + d.Name, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// nameFirst splits "NAME [flags]" so flags may follow the name.
func nameFirst(args []string, usage string) (string, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", nil, fmt.Errorf("%w: %s", errUsage, usage)
	}
	if err := hub.CheckExportName(args[0]); err != nil {
		return "", nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return args[0], args[1:], nil
}

func exportAdd(ctx context.Context, e *env, args []string) error {
	const usage = "jag export add NAME --format FORMAT [filters]"
	name, rest, err := nameFirst(args, usage)
	if err != nil {
		return err
	}
	fs := newFlagSet(e, "export add", "NAME --format FORMAT [filters]")
	var dbf dbFlags
	var ff exportFilterFlags
	var format string
	dbf.register(fs, e)
	ff.register(fs)
	fs.StringVar(&format, "format", "", "export format: "+formatList())
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	f, err := export.ParseFormat(format)
	if err != nil {
		return fmt.Errorf("%w: --format: %v", errUsage, err)
	}
	filter, err := ff.filter()
	if err != nil {
		return err
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	def := hub.ExportDefinition{Name: name, Format: f, Filter: filter, CreatedBy: "cli"}
	if _, err := d.DB.PutExportDefinition(ctx, def); err != nil {
		return err
	}
	got, err := d.DB.ExportDefinition(ctx, name)
	if err != nil {
		return err
	}
	return json.NewEncoder(e.stdout).Encode(definitionLine(got))
}

func exportList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "export list", "[flags]")
	var dbf dbFlags
	dbf.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	ds, err := d.DB.ExportDefinitions(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	for _, def := range ds {
		if err := enc.Encode(definitionLine(def)); err != nil {
			return err
		}
	}
	return nil
}

func exportRemove(ctx context.Context, e *env, args []string) error {
	name, rest, err := nameFirst(args, "jag export remove NAME")
	if err != nil {
		return err
	}
	fs := newFlagSet(e, "export remove", "NAME [flags]")
	var dbf dbFlags
	dbf.register(fs, e)
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.DB.DeleteExportDefinition(ctx, name); err != nil {
		if errors.Is(err, hub.ErrNotFound) {
			return fmt.Errorf("no export definition named %q", name)
		}
		return err
	}
	return nil
}
