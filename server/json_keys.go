package server

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/switchboard/switchboard/templates"
)

// keyProblems lists the object keys of a JSON body that the Go type does
// not name exactly. encoding/json matches keys without regard to case, so
// "contactsync" would quietly set contactSync while the client believes it
// set something else; DisallowUnknownFields does not catch that. Keys of
// maps are free; the keys of structs must match their JSON names.
func keyProblems(body []byte, t reflect.Type) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil // the decoder reports syntax
	}
	var out []string
	walkKeys(v, t, "", &out)
	return out
}

func walkKeys(v any, t reflect.Type, path string, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			fields := jsonFields(t)
			for k, child := range x {
				ft, ok := fields.byName[k]
				if !ok {
					*out = append(*out, fmt.Sprintf("%s: unknown key%s", join(path, k), templates.DidYouMean(k, fields.names)))
					continue
				}
				walkKeys(child, ft, join(path, k), out)
			}
		case reflect.Map:
			for k, child := range x {
				walkKeys(child, t.Elem(), join(path, k), out)
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, child := range x {
				walkKeys(child, t.Elem(), fmt.Sprintf("%s[%d]", path, i), out)
			}
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

type structFields struct {
	byName map[string]reflect.Type
	names  []string
}

var fieldCache sync.Map // reflect.Type → structFields

// jsonFields are the JSON names of a struct's fields, embedded structs'
// included.
func jsonFields(t reflect.Type) structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(structFields)
	}
	f := structFields{byName: map[string]reflect.Type{}}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" || (!sf.IsExported() && !sf.Anonymous) {
			continue
		}
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			inner := jsonFields(sf.Type)
			for _, n := range inner.names {
				f.byName[n] = inner.byName[n]
				f.names = append(f.names, n)
			}
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f.byName[name] = sf.Type
		f.names = append(f.names, name)
	}
	slices.Sort(f.names)
	fieldCache.Store(t, f)
	return f
}
