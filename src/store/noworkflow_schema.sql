-- noWorkflow 2.1.3 schema, exactly as its `now run` creates it (its reader SELECTs every column).
CREATE TABLE graph_cache (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	type TEXT, 
	name TEXT, 
	attributes TEXT, 
	content_hash TEXT, 
	duration INTEGER, 
	timestamp TIMESTAMP
);
CREATE TABLE experiment (
	id VARCHAR NOT NULL, 
	name VARCHAR, 
	description VARCHAR, 
	PRIMARY KEY (id), 
	UNIQUE (id), 
	UNIQUE (name)
);
CREATE TABLE IF NOT EXISTS "group" (
	id VARCHAR NOT NULL, 
	name VARCHAR, 
	PRIMARY KEY (id), 
	UNIQUE (id), 
	UNIQUE (name)
);
CREATE TABLE user (
	id VARCHAR NOT NULL, 
	"userLogin" VARCHAR, 
	PRIMARY KEY (id), 
	UNIQUE (id), 
	UNIQUE ("userLogin")
);
CREATE TABLE remote (
	id INTEGER NOT NULL, 
	server_url VARCHAR, 
	name VARCHAR, 
	used BOOLEAN, 
	hide BOOLEAN, 
	PRIMARY KEY (id), 
	UNIQUE (id), 
	UNIQUE (server_url)
);
CREATE TABLE trial (
	sequence_key INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	id VARCHAR, 
	script TEXT, 
	start TIMESTAMP, 
	finish TIMESTAMP, 
	command TEXT, 
	path TEXT, 
	status TEXT, 
	modules_inherited_from_trial_id INTEGER, 
	parent_id INTEGER, 
	main_id INTEGER, 
	experiment_id TEXT, 
	user_id TEXT, 
	FOREIGN KEY(modules_inherited_from_trial_id) REFERENCES trial (id) ON DELETE RESTRICT, 
	FOREIGN KEY(parent_id) REFERENCES trial (id) ON DELETE SET NULL, 
	FOREIGN KEY(experiment_id) REFERENCES experiment (id) ON DELETE SET NULL, 
	FOREIGN KEY(user_id) REFERENCES user (id) ON DELETE SET NULL, 
	FOREIGN KEY(id, main_id) REFERENCES code_block (trial_id, id) ON DELETE SET NULL, 
	UNIQUE (id)
);
CREATE INDEX ix_trial_main_id ON trial (main_id);
CREATE INDEX ix_trial_parent_id ON trial (parent_id);
CREATE INDEX ix_trial_modules_inherited_from_trial_id ON trial (modules_inherited_from_trial_id);
CREATE TABLE IF NOT EXISTS "memberOfGroup" (
	id VARCHAR NOT NULL, 
	"userId" TEXT, 
	"groupId" TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY("userId") REFERENCES user (id) ON DELETE CASCADE, 
	FOREIGN KEY("groupId") REFERENCES "group" (id) ON DELETE CASCADE, 
	UNIQUE (id)
);
CREATE TABLE argument (
	trial_id VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	name TEXT, 
	value TEXT, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE
);
CREATE INDEX ix_argument_trial_id ON argument (trial_id);
CREATE INDEX ix_argument_id ON argument (id);
CREATE TABLE code_component (
	trial_id VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	name TEXT, 
	type TEXT, 
	mode TEXT CHECK (mode IN ('r', 'w', 'd', 'n')), 
	first_char_line INTEGER, 
	first_char_column INTEGER, 
	last_char_line INTEGER, 
	last_char_column INTEGER, 
	container_id INTEGER, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, container_id) REFERENCES code_block (trial_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_code_component_id ON code_component (id);
CREATE INDEX ix_code_component_trial_id ON code_component (trial_id);
CREATE INDEX ix_code_component_container_id ON code_component (container_id);
CREATE TABLE environment_attr (
	trial_id VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	name TEXT, 
	value TEXT, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE
);
CREATE INDEX ix_environment_attr_id ON environment_attr (id);
CREATE INDEX ix_environment_attr_trial_id ON environment_attr (trial_id);
CREATE TABLE head (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	script TEXT, 
	trial_id VARCHAR, 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE SET NULL
);
CREATE INDEX ix_head_trial_id ON head (trial_id);
CREATE TABLE tag (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	trial_id VARCHAR, 
	type TEXT, 
	name TEXT, 
	timestamp TIMESTAMP, 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE
);
CREATE INDEX ix_tag_trial_id ON tag (trial_id);
CREATE TABLE IF NOT EXISTS "extendedAnnotation" (
	id VARCHAR NOT NULL, 
	annotation VARCHAR, 
	description VARCHAR, 
	"annotationFormat" VARCHAR, 
	"provenanceType" VARCHAR, 
	"annotationLevel" VARCHAR, 
	"relatedExperiment" TEXT, 
	"relatedTrial" TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY("relatedExperiment") REFERENCES experiment (id) ON DELETE CASCADE, 
	FOREIGN KEY("relatedTrial") REFERENCES trial (id) ON DELETE CASCADE, 
	UNIQUE (id)
);
CREATE TABLE code_block (
	id INTEGER NOT NULL, 
	trial_id VARCHAR NOT NULL, 
	code_hash TEXT, 
	docstring TEXT, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, id) REFERENCES code_component (trial_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_code_block_id ON code_block (id);
CREATE INDEX ix_code_block_trial_id ON code_block (trial_id);
CREATE TABLE composition (
	trial_id VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	part_id INTEGER, 
	whole_id INTEGER, 
	type TEXT, 
	position INTEGER, 
	extra TEXT, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, part_id) REFERENCES code_component (trial_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, whole_id) REFERENCES code_component (trial_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_composition_trial_id ON composition (trial_id);
CREATE INDEX ix_composition_whole_id ON composition (whole_id);
CREATE INDEX ix_composition_part_id ON composition (part_id);
CREATE INDEX ix_composition_id ON composition (id);
CREATE TABLE evaluation (
	trial_id VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	checkpoint FLOAT, 
	code_component_id INTEGER, 
	activation_id INTEGER, 
	repr TEXT, 
	member_container_activation_id INTEGER, 
	member_container_id INTEGER, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, code_component_id) REFERENCES code_component (trial_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, activation_id) REFERENCES activation (trial_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, activation_id, id) REFERENCES evaluation (trial_id, member_container_activation_id, member_container_id) ON DELETE CASCADE
);
CREATE INDEX ix_evaluation_activation_id ON evaluation (activation_id);
CREATE INDEX ix_evaluation_code_component_id ON evaluation (code_component_id);
CREATE INDEX ix_evaluation_trial_id ON evaluation (trial_id);
CREATE INDEX ix_evaluation_id ON evaluation (id);
CREATE INDEX ix_evaluation_member_container_id ON evaluation (member_container_id);
CREATE INDEX ix_evaluation_member_container_activation_id ON evaluation (member_container_activation_id);
CREATE TABLE activation (
	trial_id VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	name TEXT, 
	start_checkpoint FLOAT, 
	code_block_id INTEGER, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, id) REFERENCES evaluation (trial_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, code_block_id) REFERENCES code_block (trial_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_activation_id ON activation (id);
CREATE INDEX ix_activation_code_block_id ON activation (code_block_id);
CREATE INDEX ix_activation_trial_id ON activation (trial_id);
CREATE TABLE module (
	trial_id VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	name TEXT, 
	version TEXT, 
	path TEXT, 
	code_block_id TEXT, 
	transformed BOOLEAN, 
	fullpath TEXT, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, code_block_id) REFERENCES code_block (trial_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_module_code_block_id ON module (code_block_id);
CREATE INDEX ix_module_trial_id ON module (trial_id);
CREATE INDEX ix_module_id ON module (id);
CREATE TABLE dependency (
	trial_id VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	dependent_activation_id INTEGER, 
	dependent_id INTEGER, 
	dependency_activation_id INTEGER, 
	dependency_id INTEGER, 
	type TEXT, 
	reference BOOLEAN, 
	collection_activation_id INTEGER, 
	collection_id INTEGER, 
	"key" TEXT, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, dependent_activation_id) REFERENCES activation (trial_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, dependency_activation_id) REFERENCES activation (trial_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, dependent_activation_id, dependent_id) REFERENCES evaluation (trial_id, activation_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, dependency_activation_id, dependency_id) REFERENCES evaluation (trial_id, activation_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_dependency_dependency_id ON dependency (dependency_id);
CREATE INDEX ix_dependency_collection_id ON dependency (collection_id);
CREATE INDEX ix_dependency_dependent_activation_id ON dependency (dependent_activation_id);
CREATE INDEX ix_dependency_collection_activation_id ON dependency (collection_activation_id);
CREATE INDEX ix_dependency_id ON dependency (id);
CREATE INDEX ix_dependency_dependency_activation_id ON dependency (dependency_activation_id);
CREATE INDEX ix_dependency_trial_id ON dependency (trial_id);
CREATE INDEX ix_dependency_dependent_id ON dependency (dependent_id);
CREATE TABLE file_access (
	trial_id VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	name TEXT, 
	mode TEXT, 
	buffering TEXT, 
	content_hash_before TEXT, 
	content_hash_after TEXT, 
	checkpoint FLOAT, 
	activation_id INTEGER, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id, activation_id) REFERENCES activation (trial_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE
);
CREATE INDEX ix_file_access_trial_id ON file_access (trial_id);
CREATE INDEX ix_file_access_id ON file_access (id);
CREATE INDEX ix_file_access_activation_id ON file_access (activation_id);
CREATE TABLE stage_tags (
	trial_id VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	name TEXT, 
	tag_name TEXT, 
	activation_id INTEGER, 
	variable_name TEXT, 
	variable_value VARCHAR, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id, activation_id) REFERENCES activation (trial_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE
);
CREATE INDEX ix_stage_tags_activation_id ON stage_tags (activation_id);
CREATE INDEX ix_stage_tags_trial_id ON stage_tags (trial_id);
CREATE INDEX ix_stage_tags_id ON stage_tags (id);
CREATE TABLE member (
	trial_id VARCHAR NOT NULL, 
	id INTEGER NOT NULL, 
	collection_activation_id INTEGER, 
	collection_id INTEGER, 
	member_activation_id INTEGER, 
	member_id INTEGER, 
	"key" TEXT, 
	checkpoint FLOAT, 
	type TEXT, 
	PRIMARY KEY (trial_id, id), 
	FOREIGN KEY(trial_id) REFERENCES trial (id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, collection_activation_id) REFERENCES activation (trial_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, member_activation_id) REFERENCES activation (trial_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, collection_activation_id, collection_id) REFERENCES evaluation (trial_id, activation_id, id) ON DELETE CASCADE, 
	FOREIGN KEY(trial_id, member_activation_id, member_id) REFERENCES evaluation (trial_id, activation_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_member_id ON member (id);
CREATE INDEX ix_member_collection_id ON member (collection_id);
CREATE INDEX ix_member_collection_activation_id ON member (collection_activation_id);
CREATE INDEX ix_member_trial_id ON member (trial_id);
CREATE INDEX ix_member_member_id ON member (member_id);
CREATE INDEX ix_member_member_activation_id ON member (member_activation_id);
